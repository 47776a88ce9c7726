package io.model2vec;

import java.nio.ByteBuffer;

/**
 * The token-vector table, kept in the dtype it was stored in (an F16 table stays 2 bytes a value)
 * and dequantized inside the pooling loop. One subclass per dtype, each with tight loops over a
 * primitive array that the JIT can unroll and vectorize.
 */
abstract class EmbeddingTable {
  final int rows;
  /** Stored width; pooling may use only a prefix of it ({@code dimensionality}). */
  final int columns;

  EmbeddingTable(int rows, int columns) {
    this.rows = rows;
    this.columns = columns;
  }

  /** The stored dtype's name, as in safetensors. */
  abstract String dtype();

  /** Bytes held by the table. */
  abstract long bytes();

  /** {@code acc[j] += scale * table[row][j]} for {@code j < dims}, accumulating in float. */
  abstract void addTo(float[] acc, int row, float scale, int dims);

  /** {@code acc[j] += scale * table[row][j]} for {@code j < dims}, accumulating in double. */
  abstract void addTo(double[] acc, int row, double scale, int dims);

  /**
   * {@code addTo(acc, rows[r], scales[r], dims)} for {@code r < n} in order ({@code scales} null
   * means 1). Subclasses may interleave rows for memory parallelism, but each {@code acc[j]} must
   * see the same float operations in the same order, so the result is bit-identical (an I8 table
   * may group whole-number sums, which are exact in any order: see {@link I8}).
   */
  void addRows(float[] acc, int[] rows, float[] scales, int n, int dims) {
    for (int r = 0; r < n; r++) {
      addTo(acc, rows[r], scales == null ? 1f : scales[r], dims);
    }
  }

  /**
   * {@code addTo(acc, rows[r], scales == null ? 1 : scales[r], dims)} for {@code r < n} in order,
   * accumulating in double: bit-identical to adding one row at a time (each {@code acc[j]} sees
   * the same double operations in the same order).
   */
  void addRows(double[] acc, int[] rows, double[] scales, int n, int dims) {
    for (int r = 0; r < n; r++) {
      addTo(acc, rows[r], scales == null ? 1.0 : scales[r], dims);
    }
  }

  /** One value, dequantized. */
  abstract float get(int row, int column);

  /** How {@link #addRows} runs, for logs and benchmarks. */
  String pooling() {
    return "scalar";
  }

  /**
   * Whether this table pools in double, {@code weighted} saying whether the rows are scaled by
   * token weights: numpy averages integer and float64 arrays in float64 and float32/float16
   * arrays in float32, and we follow it to stay within 1e-5; the unweighted sums of an I8 table
   * are whole numbers, exact in float up to {@link #exactFloatRows}, so only weighted ones need
   * double.
   */
  abstract boolean poolsInDouble(boolean weighted);

  /**
   * The most rows a text may have for the float pooling of an unweighted table to be as exact as
   * the reference's; a text of more pools in double.
   */
  int exactFloatRows() {
    return Integer.MAX_VALUE;
  }

  /**
   * Whether the pooling loops may use the Vector API: not switched off
   * ({@code -Dmodel2vec.vector=false}) and {@code jdk.incubator.vector} in the boot layer. Each
   * dtype then checks its own decoding once per JVM.
   */
  static boolean vectorApiAllowed() {
    return Settings.VECTOR.get()
        && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** Copies a 2-D tensor into a table of its own dtype, rejecting NaN and infinite values. */
  static EmbeddingTable read(SafeTensors file, SafeTensors.Tensor t) {
    String where = "tensor '" + t.name + "'";
    if (t.shape.length != 2) {
      throw SafeTensors.error(file.source(), where + " must be 2-D [rows, dim] but has shape "
          + java.util.Arrays.toString(t.shape));
    }
    if (t.shape[0] > Integer.MAX_VALUE || t.shape[1] > Integer.MAX_VALUE
        || t.shape[0] * t.shape[1] > Integer.MAX_VALUE - 8) {
      throw SafeTensors.error(file.source(), where + " with shape "
          + java.util.Arrays.toString(t.shape) + " is too large for one JVM array");
    }
    int rows = (int) t.shape[0];
    int cols = (int) t.shape[1];
    if (cols == 0) {
      throw SafeTensors.error(file.source(), where + " has 0 columns");
    }
    ByteBuffer b = file.bytes(t);
    int n = rows * cols;
    EmbeddingTable table;
    switch (t.dtype) {
      case F32: {
        // One array per row: the pooling loop then reads every row at index j of its own array,
        // which C2's auto-vectorizer handles (it does not for rows at offsets of one array).
        float[][] v = new float[rows][cols];
        java.nio.FloatBuffer fb = b.asFloatBuffer();
        for (int r = 0; r < rows; r++) {
          fb.get(v[r]);
        }
        table = new F32(rows, cols, v);
        break;
      }
      case F64: {
        double[] v = new double[n];
        b.asDoubleBuffer().get(v);
        table = new F64(rows, cols, v);
        break;
      }
      case F16: {
        short[][] v = new short[rows][cols];
        java.nio.ShortBuffer sb = b.asShortBuffer();
        for (int r = 0; r < rows; r++) {
          sb.get(v[r]);
        }
        table = new F16(rows, cols, v);
        break;
      }
      case BF16: {
        short[] v = new short[n];
        b.asShortBuffer().get(v);
        table = new BF16(rows, cols, v);
        break;
      }
      case I8: {
        byte[] v = new byte[n];
        b.get(v);
        table = new I8(rows, cols, v);
        break;
      }
      default:
        throw SafeTensors.error(file.source(), where + " has dtype " + t.dtype
            + "; embedding tables must be F32, F16, BF16, F64 or I8");
    }
    table.checkFinite(file.source(), where);
    return table;
  }

  private void checkFinite(String source, String where) {
    long at = firstNonFinite();
    if (at >= 0) {
      int r = (int) (at / columns);
      int c = (int) (at % columns);
      throw SafeTensors.error(source, where + " holds " + get(r, c) + " at row " + r + ", column " + c
          + "; a non-finite value would turn every text with that token into NaN");
    }
  }

  /**
   * The row-major index of the first value that is not finite as a float, or -1. One tight loop
   * over the raw array per dtype: the check runs once per load, on a cold JVM, over millions of
   * values, where a virtual {@link #get} per value cost a few hundred milliseconds.
   */
  abstract long firstNonFinite();

  static final class F32 extends EmbeddingTable {
    /** Row-major, one array per row (see {@link #addRows}). */
    private final float[][] v;

    F32(int rows, int columns, float[][] v) {
      super(rows, columns);
      this.v = v;
    }

    @Override
    String dtype() {
      return "F32";
    }

    @Override
    String pooling() {
      return "auto-vectorized, 4 rows per pass";
    }

    @Override
    long bytes() {
      return 4L * rows * columns;
    }

    @Override
    void addTo(float[] acc, int row, float scale, int dims) {
      float[] x = v[row];
      for (int j = 0; j < dims; j++) {
        acc[j] += x[j] * scale;
      }
    }

    @Override
    void addTo(double[] acc, int row, double scale, int dims) {
      float[] x = v[row];
      for (int j = 0; j < dims; j++) {
        acc[j] += x[j] * scale;
      }
    }

    @Override
    void addRows(float[] acc, int[] rows, float[] scales, int n, int dims) {
      if (scales != null) {
        super.addRows(acc, rows, scales, n, dims); // weighted rows: one (vectorized) row at a time
        return;
      }
      // Four rows per pass (then two, then one): their cache misses overlap, acc is read and
      // written once per pass, and C2 vectorizes the loop over j, because every row is its own
      // array indexed by j like acc. Not eight: a loop body that large is not unrolled, hence
      // not vectorized (C2's LoopUnrollLimit), and ran 3x slower. Every acc[j] still sees the
      // same additions in the same order as one row at a time (bit-identical); x * 1f == x, so
      // no multiply is needed.
      float[][] t = v;
      int r = 0;
      for (; r + 4 <= n; r += 4) {
        float[] a0 = t[rows[r]];
        float[] a1 = t[rows[r + 1]];
        float[] a2 = t[rows[r + 2]];
        float[] a3 = t[rows[r + 3]];
        for (int j = 0; j < dims; j++) {
          acc[j] = acc[j] + a0[j] + a1[j] + a2[j] + a3[j];
        }
      }
      if (r + 2 <= n) {
        float[] a0 = t[rows[r]];
        float[] a1 = t[rows[r + 1]];
        for (int j = 0; j < dims; j++) {
          acc[j] = acc[j] + a0[j] + a1[j];
        }
        r += 2;
      }
      if (r < n) {
        float[] a0 = t[rows[r]];
        for (int j = 0; j < dims; j++) {
          acc[j] += a0[j];
        }
      }
    }

    @Override
    void addRows(double[] acc, int[] rows, double[] scales, int n, int dims) {
      if (scales == null) {
        super.addRows(acc, rows, null, n, dims);
        return;
      }
      // Weighted rows in double (F64 weights, as numpy): four rows per pass read and write acc
      // once instead of four times, and their cache misses overlap; per acc[j] the same
      // multiply-then-add in the same order as one row at a time.
      float[][] t = v;
      int r = 0;
      for (; r + 4 <= n; r += 4) {
        float[] a0 = t[rows[r]];
        float[] a1 = t[rows[r + 1]];
        float[] a2 = t[rows[r + 2]];
        float[] a3 = t[rows[r + 3]];
        double s0 = scales[r];
        double s1 = scales[r + 1];
        double s2 = scales[r + 2];
        double s3 = scales[r + 3];
        for (int j = 0; j < dims; j++) {
          double a = acc[j];
          a += a0[j] * s0;
          a += a1[j] * s1;
          a += a2[j] * s2;
          a += a3[j] * s3;
          acc[j] = a;
        }
      }
      for (; r < n; r++) {
        float[] a0 = t[rows[r]];
        double s0 = scales[r];
        for (int j = 0; j < dims; j++) {
          acc[j] += a0[j] * s0;
        }
      }
    }

    @Override
    float get(int row, int column) {
      return v[row][column];
    }

    @Override
    long firstNonFinite() {
      for (int r = 0; r < rows; r++) {
        float[] row = v[r];
        for (int c = 0; c < row.length; c++) {
          if (!Float.isFinite(row[c])) {
            return (long) r * columns + c;
          }
        }
      }
      return -1;
    }

    @Override
    boolean poolsInDouble(boolean weighted) {
      return false;
    }
  }

  static final class F64 extends EmbeddingTable {
    private final double[] v;

    F64(int rows, int columns, double[] v) {
      super(rows, columns);
      this.v = v;
    }

    @Override
    String dtype() {
      return "F64";
    }

    @Override
    long bytes() {
      return 8L * v.length;
    }

    @Override
    void addTo(float[] acc, int row, float scale, int dims) {
      int off = row * columns;
      for (int j = 0; j < dims; j++) {
        acc[j] += (float) (v[off + j] * scale);
      }
    }

    @Override
    void addTo(double[] acc, int row, double scale, int dims) {
      int off = row * columns;
      for (int j = 0; j < dims; j++) {
        acc[j] += v[off + j] * scale;
      }
    }

    @Override
    float get(int row, int column) {
      return (float) v[row * columns + column];
    }

    @Override
    long firstNonFinite() {
      // as a float: a double beyond the float range would pool to an infinite float vector
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite((float) v[i])) {
          return i;
        }
      }
      return -1;
    }

    @Override
    boolean poolsInDouble(boolean weighted) {
      return true;
    }
  }

  static final class F16 extends EmbeddingTable {
    /** All 65,536 half-precision values, decoded once: a lookup beats bit twiddling per value. */
    private static final float[] DECODE = decodeTable(0);

    /** Whether {@link #addRows} runs on {@link HalfVectors}; decided once per JVM. */
    private static final boolean VECTOR = vectorSupport();

    /**
     * True when the Vector API is usable ({@code jdk.incubator.vector} in the boot layer, at least
     * 8 float lanes, not switched off with {@code -Dmodel2vec.vector=false}) and decodes a sample
     * of halves (zeros and every subnormal, and for both signs and every exponent, the extreme
     * and alternating mantissas), stored as they are and rebased, to the same floats as
     * {@link #halfToFloat}. The sample keeps this check, which runs interpreted, to a few
     * milliseconds per JVM; EmbeddingTableTest compares all 63,488 finite halves through the
     * compiled code. Never throws: without the module, {@link HalfVectors} is never linked, and
     * the scalar loop is used.
     */
    private static boolean vectorSupport() {
      if (!vectorApiAllowed()) {
        return false;
      }
      try {
        int lanes = HalfVectors.lanes();
        if (lanes < 8) {
          return false;
        }
        short[] halves = vectorCheckSample(lanes);
        for (int shift : new int[] {0, SUBNORMAL_SHIFT}) {
          short[] codes = new short[halves.length];
          for (int i = 0; i < codes.length; i++) {
            codes[i] = rebase(halves[i], shift);
          }
          float[] got = HalfVectors.decodeAll(codes, scaleOf(shift));
          for (int i = 0; i < halves.length; i++) {
            if (rebasable(halves[i], shift) && Float.floatToRawIntBits(got[i])
                != Float.floatToRawIntBits(halfToFloat(halves[i]))) {
              return false;
            }
          }
        }
        return true;
      } catch (Throwable e) { // LinkageError without the module; anything else: stay scalar
        return false;
      }
    }

    /**
     * The rows, each value as a half whose exponent field is raised by a shift (0, or
     * {@link #SUBNORMAL_SHIFT} when the table has subnormals): a subnormal half (stored exponent
     * 0) becomes a normal number of the shifted scale, so that the vector decoding ({@code code << 13} into float position, times {@code 2^(112 -
     * shift)}) never meets a subnormal float. On x86 an operation on one can take a microcode
     * assist of ~100 cycles, and "to" and "and" are among the rows of the built-in model that
     * hold a subnormal half. Exact both ways: a subnormal half has at most 10 significant bits.
     */
    private final short[][] v;
    /** {@code 2^(112 - shift)}: the vector decoding's last step. */
    private final float scale;
    /** Value of every code, for the scalar loops. */
    private final float[] decode;
    /** See {@link EmbeddingTable#firstNonFinite}, found by the constructor's pass. */
    private final long firstNonFinite;

    /**
     * The exponent shift that makes every subnormal half normal: the smallest, 2^-24, needs 10.
     * Values then keep their exponent as long as it is at most 21 (magnitude below 128).
     */
    static final int SUBNORMAL_SHIFT = 10;

    /** Takes {@code v} over (its values are rebased in place when the table has subnormals). */
    F16(int rows, int columns, short[][] v) {
      super(rows, columns);
      // one pass over the halves finds the non-finite values, the subnormals and the largest
      // exponent
      long nonFinite = -1;
      boolean subnormals = false;
      int largestExponent = 0;
      for (int r = 0; r < rows; r++) {
        short[] row = v[r];
        for (int c = 0; c < row.length; c++) {
          int exponent = (row[c] & 0x7c00) >>> 10;
          if (exponent == 0) {
            subnormals |= (row[c] & 0x03ff) != 0;
          } else if (exponent == 0x1f) {
            if (nonFinite < 0) {
              nonFinite = (long) r * columns + c;
            }
          } else {
            largestExponent = Math.max(largestExponent, exponent);
          }
        }
      }
      // A table holding both subnormals and values of 128 or more stays as it is: exact still,
      // its subnormal values then decoded with the assists.
      int shift = subnormals && nonFinite < 0 && largestExponent + SUBNORMAL_SHIFT <= 31
          ? SUBNORMAL_SHIFT : 0;
      if (shift != 0) {
        short[] code = new short[1 << 16];
        for (int h = 0; h < code.length; h++) {
          code[h] = rebase((short) h, shift);
        }
        for (short[] row : v) {
          for (int c = 0; c < row.length; c++) {
            row[c] = code[row[c] & 0xffff];
          }
        }
      }
      this.v = v;
      this.scale = scaleOf(shift);
      this.decode = shift == 0 ? DECODE : decodeTable(shift);
      this.firstNonFinite = nonFinite;
    }

    /** {@code 2^(112 - shift)}. */
    private static float scaleOf(int shift) {
      return Math.scalb(1f, 112 - shift);
    }

    /** Whether {@link #rebase} keeps the value of the finite half {@code h}. */
    static boolean rebasable(short h, int shift) {
      return ((h & 0x7c00) >>> 10) + shift <= 31;
    }

    /**
     * The code of the finite half {@code h} with its exponent raised by {@code shift} (see
     * {@link #rebasable}): a subnormal one normalized first (exponent {@code p - 9} for a
     * mantissa whose top bit is {@code p}). Zeros keep code 0 and their sign. {@code shift} 0
     * leaves {@code h} as it is.
     */
    static short rebase(short h, int shift) {
      int sign = h & 0x8000;
      int exponent = (h & 0x7c00) >>> 10;
      int mantissa = h & 0x03ff;
      if (shift == 0 || (exponent == 0 && mantissa == 0)) {
        return h;
      }
      if (exponent == 0) {
        int top = 31 - Integer.numberOfLeadingZeros(mantissa);
        exponent = top - 9;
        mantissa = (mantissa << (10 - top)) & 0x03ff;
      }
      return (short) (sign | (exponent + shift) << 10 | mantissa);
    }

    /** The value of every code of a table rebased by {@code shift}, as the vector path finds it. */
    private static float[] decodeTable(int shift) {
      float[] d = new float[1 << 16];
      float scale = scaleOf(shift);
      for (int c = 0; c < d.length; c++) {
        // the code's bits in float position, then the rescale, as HalfVectors does: exact; the
        // halves themselves (shift 0) decoded by the definition
        d[c] = shift == 0 ? halfToFloat((short) c)
            : Float.intBitsToFloat((c & 0x8000) << 16 | (c & 0x7fff) << 13) * scale;
      }
      return d;
    }

    @Override
    long firstNonFinite() {
      return firstNonFinite;
    }

    static float halfToFloat(short h) {
      int bits = h & 0xffff;
      int sign = (bits & 0x8000) << 16;
      int exp = (bits >>> 10) & 0x1f;
      int mant = bits & 0x3ff;
      if (exp == 0) {
        // zero or subnormal: mant * 2^-24
        float f = mant * 0x1p-24f;
        return sign == 0 ? f : -f;
      }
      if (exp == 0x1f) {
        return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
      }
      return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The halves {@link #vectorSupport} checks, padded with zeros to whole vectors. */
    static short[] vectorCheckSample(int lanes) {
      short[] h = new short[2 * (1024 + 30 * 5) + lanes];
      int n = 0;
      for (int sign = 0; sign <= 0x8000; sign += 0x8000) {
        for (int m = 0; m < 1024; m++) {
          h[n++] = (short) (sign | m); // zero and the subnormals
        }
        for (int e = 1; e <= 30; e++) {
          for (int m : new int[] {0, 1, 0x155, 0x2aa, 0x3ff}) {
            h[n++] = (short) (sign | e << 10 | m);
          }
        }
      }
      return java.util.Arrays.copyOf(h, n + (lanes - n % lanes) % lanes);
    }

    @Override
    String dtype() {
      return "F16";
    }

    @Override
    String pooling() {
      return VECTOR ? "jdk.incubator.vector, " + HalfVectors.lanes() + " lanes"
          : "scalar lookup (--add-modules=jdk.incubator.vector vectorizes it)";
    }

    @Override
    long bytes() {
      return 2L * rows * columns;
    }

    @Override
    void addTo(float[] acc, int row, float scale, int dims) {
      short[] x = v[row];
      for (int j = 0; j < dims; j++) {
        acc[j] += decode[x[j] & 0xffff] * scale;
      }
    }

    @Override
    void addTo(double[] acc, int row, double scale, int dims) {
      short[] x = v[row];
      for (int j = 0; j < dims; j++) {
        acc[j] += decode[x[j] & 0xffff] * scale;
      }
    }

    @Override
    void addRows(float[] acc, int[] rows, float[] scales, int n, int dims) {
      if (scales != null) {
        super.addRows(acc, rows, scales, n, dims);
        return;
      }
      if (VECTOR) {
        HalfVectors.addRows(acc, v, rows, n, dims, scale, decode);
        return;
      }
      addRowsScalar(acc, rows, n, dims);
    }

    /** The loop without the Vector API (also run by the tests when the API is in use). */
    void addRowsScalar(float[] acc, int[] rows, int n, int dims) {
      // Eight rows per pass: eight independent decode lookups per j keep the loads in flight.
      // Same additions in the same order per acc[j] as one row at a time (bit-identical).
      short[][] t = v;
      float[] d = decode;
      int r = 0;
      for (; r + 8 <= n; r += 8) {
        short[] a0 = t[rows[r]];
        short[] a1 = t[rows[r + 1]];
        short[] a2 = t[rows[r + 2]];
        short[] a3 = t[rows[r + 3]];
        short[] a4 = t[rows[r + 4]];
        short[] a5 = t[rows[r + 5]];
        short[] a6 = t[rows[r + 6]];
        short[] a7 = t[rows[r + 7]];
        for (int j = 0; j < dims; j++) {
          float a = acc[j];
          a += d[a0[j] & 0xffff];
          a += d[a1[j] & 0xffff];
          a += d[a2[j] & 0xffff];
          a += d[a3[j] & 0xffff];
          a += d[a4[j] & 0xffff];
          a += d[a5[j] & 0xffff];
          a += d[a6[j] & 0xffff];
          a += d[a7[j] & 0xffff];
          acc[j] = a;
        }
      }
      for (; r < n; r++) {
        short[] a0 = t[rows[r]];
        for (int j = 0; j < dims; j++) {
          acc[j] += d[a0[j] & 0xffff];
        }
      }
    }

    @Override
    float get(int row, int column) {
      return decode[v[row][column] & 0xffff];
    }

    /** Whether the values are held rebased (the table has subnormal halves); for the tests. */
    boolean rebased() {
      return decode != DECODE;
    }

    @Override
    boolean poolsInDouble(boolean weighted) {
      return false;
    }
  }

  static final class BF16 extends EmbeddingTable {
    private final short[] v;

    BF16(int rows, int columns, short[] v) {
      super(rows, columns);
      this.v = v;
    }

    @Override
    String dtype() {
      return "BF16";
    }

    @Override
    long bytes() {
      return 2L * v.length;
    }

    @Override
    void addTo(float[] acc, int row, float scale, int dims) {
      int off = row * columns;
      for (int j = 0; j < dims; j++) {
        acc[j] += Float.intBitsToFloat(v[off + j] << 16) * scale;
      }
    }

    @Override
    void addTo(double[] acc, int row, double scale, int dims) {
      int off = row * columns;
      for (int j = 0; j < dims; j++) {
        acc[j] += Float.intBitsToFloat(v[off + j] << 16) * scale;
      }
    }

    @Override
    float get(int row, int column) {
      return Float.intBitsToFloat(v[row * columns + column] << 16);
    }

    @Override
    long firstNonFinite() {
      for (int i = 0; i < v.length; i++) {
        if ((v[i] & 0x7f80) == 0x7f80) { // exponent all ones: infinity or NaN
          return i;
        }
      }
      return -1;
    }

    @Override
    boolean poolsInDouble(boolean weighted) {
      return false;
    }
  }

  /**
   * An int8 table, its values used as the integers they are (as the reference does). Unweighted,
   * it pools in float: the sums of whole numbers of at most 128 in magnitude are exact in float
   * up to {@link #EXACT_FLOAT_ROWS} rows, so they equal the reference's float64 sums, and the
   * rows are added four at a time on the Vector API when the JVM has it. Weighted, it pools in
   * double, as the reference does.
   */
  static final class I8 extends EmbeddingTable {
    /** Rows whose int8 sum is exact in float: 2^24 / 128 (-128 is the largest magnitude). */
    static final int EXACT_FLOAT_ROWS = (1 << 24) / 128;

    /** Whether {@link #addRows} runs on {@link ByteVectors}; decided once per JVM. */
    private static final boolean VECTOR = vectorSupport();

    /**
     * True when the Vector API is usable (as for F16 tables) and widens every int8 value to the
     * float of the same value. Never throws: without the module, {@link ByteVectors} is never
     * linked, and the scalar loop is used.
     */
    private static boolean vectorSupport() {
      if (!vectorApiAllowed()) {
        return false;
      }
      try {
        if (ByteVectors.lanes() < 8) {
          return false;
        }
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
          all[i] = (byte) i;
        }
        float[] got = ByteVectors.widenAll(all);
        for (int i = 0; i < all.length; i++) {
          if (got[i] != all[i]) {
            return false;
          }
        }
        return true;
      } catch (Throwable e) { // LinkageError without the module; anything else: stay scalar
        return false;
      }
    }

    /** Row-major, one array: row {@code r} starts at {@code r * columns}. */
    private final byte[] v;

    I8(int rows, int columns, byte[] v) {
      super(rows, columns);
      this.v = v;
    }

    @Override
    String dtype() {
      return "I8";
    }

    @Override
    String pooling() {
      return VECTOR ? "jdk.incubator.vector, " + ByteVectors.lanes() + " lanes"
          : "scalar, 4 rows per pass (--add-modules=jdk.incubator.vector vectorizes it)";
    }

    @Override
    long bytes() {
      return v.length;
    }

    @Override
    void addTo(float[] acc, int row, float scale, int dims) {
      int off = row * columns;
      for (int j = 0; j < dims; j++) {
        acc[j] += v[off + j] * scale;
      }
    }

    @Override
    void addTo(double[] acc, int row, double scale, int dims) {
      int off = row * columns;
      for (int j = 0; j < dims; j++) {
        acc[j] += v[off + j] * scale;
      }
    }

    @Override
    void addRows(float[] acc, int[] rows, float[] scales, int n, int dims) {
      if (scales != null) {
        super.addRows(acc, rows, scales, n, dims);
        return;
      }
      // the Vector API takes the whole vectors of columns, the scalar loop the rest (each column
      // is summed on its own, so the split changes no bit)
      int from = VECTOR ? ByteVectors.addRows(acc, v, columns, rows, n, dims) : 0;
      addRowsScalar(acc, rows, n, from, dims);
    }

    /**
     * The loop without the Vector API, over columns {@code from} to {@code dims} (also run by the
     * tests when the API is in use).
     */
    void addRowsScalar(float[] acc, int[] rows, int n, int from, int dims) {
      // Four rows per pass, summed as ints, then one conversion and one float addition: 1.6x the
      // speed of four float additions (each with its own conversion), and the same bits: every
      // sum is a whole number that float holds exactly (see EXACT_FLOAT_ROWS).
      byte[] t = v;
      int r = 0;
      for (; r + 4 <= n; r += 4) {
        int o0 = rows[r] * columns;
        int o1 = rows[r + 1] * columns;
        int o2 = rows[r + 2] * columns;
        int o3 = rows[r + 3] * columns;
        for (int j = from; j < dims; j++) {
          acc[j] += (float) (t[o0 + j] + t[o1 + j] + t[o2 + j] + t[o3 + j]);
        }
      }
      for (; r < n; r++) {
        int o = rows[r] * columns;
        for (int j = from; j < dims; j++) {
          acc[j] += t[o + j];
        }
      }
    }

    @Override
    float get(int row, int column) {
      return v[row * columns + column];
    }

    @Override
    long firstNonFinite() {
      return -1; // every int8 is finite
    }

    @Override
    boolean poolsInDouble(boolean weighted) {
      return weighted;
    }

    @Override
    int exactFloatRows() {
      return EXACT_FLOAT_ROWS;
    }
  }
}
