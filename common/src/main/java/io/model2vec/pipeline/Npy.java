package io.model2vec.pipeline;

import io.model2vec.Model2VecException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads numpy's {@code .npy} format (versions 1 to 3) as {@code np.save(..., allow_pickle=False)}
 * writes it: little- or big-endian floats and integers, booleans and unicode strings, in C or
 * Fortran order. Object arrays (pickles) and structured dtypes are refused; the shape is checked
 * against the bytes there are before anything is allocated.
 */
final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int MAX_HEADER = 64 * 1024;
  private static final int MAX_RANK = 32;
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
  private static final Pattern TYPE = Pattern.compile("([<>|=])?([fiubU])(\\d+)");

  private Npy() {}

  /** The array in {@code data}; {@code where} names the file (and entry) in errors. */
  static NdArray read(byte[] data, String where) {
    if (data.length < 10 || !startsWithMagic(data)) {
      throw bad(where, "is not a .npy array (no \\x93NUMPY magic)");
    }
    int major = data[6] & 0xff;
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength;
    int start;
    if (major == 1) {
      headerLength = in.getShort(8) & 0xffff;
      start = 10;
    } else if (major == 2 || major == 3) {
      if (data.length < 12) {
        throw bad(where, "is cut short in its header");
      }
      headerLength = in.getInt(8) & 0xffffffffL;
      start = 12;
    } else {
      throw bad(where, "has .npy format version " + major + ", only 1 to 3 are known");
    }
    if (headerLength > MAX_HEADER || start + headerLength > data.length) {
      throw bad(where, "has a header of " + headerLength + " bytes (at most " + MAX_HEADER
          + " and within the file's " + data.length + ")");
    }
    String header = new String(data, start, (int) headerLength,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher descr = DESCR.matcher(header);
    if (!descr.find()) {
      throw bad(where, "has a dtype that is not a plain number or string type (header "
          + shortened(header) + "): structured and object arrays are not supported");
    }
    String dtype = descr.group(1);
    Matcher t = TYPE.matcher(dtype);
    if (!t.matches()) {
      throw bad(where, "has dtype '" + shortened(dtype) + "', which is not supported (floats, "
          + "integers, booleans and unicode strings are; object arrays would need pickle)");
    }
    ByteOrder order = ">".equals(t.group(1)) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    char kind = t.group(2).charAt(0);
    int width = Integer.parseInt(t.group(3));
    int itemSize = kind == 'U' ? 4 * width : width;
    boolean known = switch (kind) {
      case 'f' -> width == 4 || width == 8;
      case 'i', 'u' -> width == 1 || width == 2 || width == 4 || width == 8;
      case 'b' -> width == 1;
      case 'U' -> width >= 1 && width <= 1 << 20;
      default -> false;
    };
    if (!known) {
      throw bad(where, "has dtype '" + dtype + "', which is not supported");
    }
    Matcher f = FORTRAN.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!f.find() || !s.find()) {
      throw bad(where, "has a header without fortran_order or shape: " + shortened(header));
    }
    boolean fortran = f.group(1).equals("True");
    int[] shape = shape(s.group(1), where);
    long count = 1;
    for (int d : shape) {
      count *= d; // each d < 2^31 and the product is checked at every step: no overflow
      if (count * itemSize > data.length) {
        break;
      }
    }
    long dataStart = start + headerLength;
    long need = count * itemSize;
    if (need != data.length - dataStart) {
      throw bad(where, "has shape " + java.util.Arrays.toString(shape) + " of " + dtype
          + " (" + (count * itemSize > data.length ? "more than " + data.length : need)
          + " bytes) but " + (data.length - dataStart) + " bytes of data");
    }
    ByteBuffer body = ByteBuffer.wrap(data, (int) dataStart, (int) need).slice().order(order);
    int n = (int) count;
    int[] perm = fortran && shape.length > 1 ? fortranToC(shape) : null;
    if (kind == 'U') {
      String[] strings = new String[n];
      int[] cps = new int[width];
      for (int i = 0; i < n; i++) {
        int len = 0;
        for (int c = 0; c < width; c++) {
          int cp = body.getInt(i * itemSize + 4 * c);
          if (cp == 0) {
            break; // numpy pads with NULs
          }
          if (!Character.isValidCodePoint(cp)) {
            throw bad(where, "holds an invalid code point " + cp + " in string " + i);
          }
          cps[len++] = cp;
        }
        strings[perm == null ? i : perm[i]] = new String(cps, 0, len);
      }
      return new NdArray(shape, null, null, strings, dtype);
    }
    double[] numbers = new double[n];
    long[] longs = kind == 'i' || kind == 'u' ? new long[n] : null;
    for (int i = 0; i < n; i++) {
      int at = i * itemSize;
      int to = perm == null ? i : perm[i];
      switch (kind) {
        case 'f' -> numbers[to] = width == 4 ? body.getFloat(at) : body.getDouble(at);
        case 'b' -> numbers[to] = body.get(at) != 0 ? 1 : 0;
        default -> {
          long v = switch (width) {
            case 1 -> kind == 'i' ? body.get(at) : body.get(at) & 0xffL;
            case 2 -> kind == 'i' ? body.getShort(at) : body.getShort(at) & 0xffffL;
            case 4 -> kind == 'i' ? body.getInt(at) : body.getInt(at) & 0xffffffffL;
            default -> body.getLong(at);
          };
          longs[to] = v;
          numbers[to] = v;
        }
      }
    }
    return new NdArray(shape, numbers, longs, null, dtype);
  }

  private static boolean startsWithMagic(byte[] data) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (data[i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  private static int[] shape(String tuple, String where) {
    List<Integer> dims = new ArrayList<>();
    for (String part : tuple.split(",")) {
      String p = part.trim().replaceFirst("L$", "");
      if (p.isEmpty()) {
        continue;
      }
      long d;
      try {
        d = Long.parseLong(p);
      } catch (NumberFormatException e) {
        throw bad(where, "has a shape that is not a tuple of integers: (" + shortened(tuple) + ")");
      }
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw bad(where, "has a dimension of " + d + " (0 to " + Integer.MAX_VALUE + ")");
      }
      dims.add((int) d);
      if (dims.size() > MAX_RANK) {
        throw bad(where, "has more than " + MAX_RANK + " dimensions");
      }
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  /** For each element in Fortran (column-major) order, its index in C (row-major) order. */
  private static int[] fortranToC(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    int[] perm = new int[n];
    int[] idx = new int[shape.length];
    int[] cStride = new int[shape.length];
    cStride[shape.length - 1] = 1;
    for (int k = shape.length - 2; k >= 0; k--) {
      cStride[k] = cStride[k + 1] * shape[k + 1];
    }
    for (int i = 0; i < n; i++) {
      int c = 0;
      for (int k = 0; k < shape.length; k++) {
        c += idx[k] * cStride[k];
      }
      perm[i] = c;
      // Fortran order: the first index varies fastest.
      for (int k = 0; k < shape.length; k++) {
        if (++idx[k] < shape[k]) {
          break;
        }
        idx[k] = 0;
      }
    }
    return perm;
  }

  private static String shortened(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  private static Model2VecException bad(String where, String what) {
    return new Model2VecException(where + " " + what);
  }
}
