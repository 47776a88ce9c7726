package io.model2vec;

import com.fasterxml.jackson.databind.JsonNode;
import io.model2vec.tokenizer.JsonTree;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A validated view of a safetensors file: 8-byte little-endian header length, JSON header, data.
 *
 * <p>Every offset, shape and dtype is checked against the file before any tensor is read, so a
 * truncated or corrupt file fails here with its name and the tensor at fault, never with an
 * {@code IndexOutOfBoundsException} later.
 */
final class SafeTensors {
  /** Headers larger than this are not model headers (the reference caps them at 100 MB). */
  private static final long MAX_HEADER = 100L << 20;

  static final class Tensor {
    final String name;
    final DType dtype;
    final long[] shape;
    final long begin;
    final long end;

    Tensor(String name, DType dtype, long[] shape, long begin, long end) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape;
      this.begin = begin;
      this.end = end;
    }

    long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    @Override
    public String toString() {
      return name + " " + dtype + Arrays.toString(shape);
    }
  }

  private final String source;
  private final ByteBuffer data;
  private final Map<String, Tensor> tensors;

  private SafeTensors(String source, ByteBuffer data, Map<String, Tensor> tensors) {
    this.source = source;
    this.data = data;
    this.tensors = tensors;
  }

  /** Parses {@code file}; {@code source} names it in error messages. */
  static SafeTensors parse(ByteBuffer file, String source) {
    ByteBuffer buf = file.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long size = buf.remaining();
    if (size < 8) {
      throw error(source, "is " + size + " bytes long, shorter than the 8-byte header length");
    }
    long headerLength = buf.getLong(buf.position());
    if (headerLength <= 0 || headerLength > MAX_HEADER) {
      throw error(source, "declares a header of " + headerLength
          + " bytes; a safetensors header is 1 byte to 100 MB (is this a safetensors file?)");
    }
    if (headerLength > size - 8) {
      throw error(source, "declares a header of " + headerLength + " bytes but only "
          + (size - 8) + " bytes follow the length (the file is truncated)");
    }
    byte[] header = new byte[(int) headerLength];
    buf.position(buf.position() + 8);
    buf.get(header);
    JsonNode root;
    try {
      root = JsonTree.parse(new String(header, StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw error(source, "has a header that is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw error(source, "has a header that is not a JSON object");
    }
    ByteBuffer data = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
    long dataSize = data.remaining();

    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      tensors.put(e.getKey(), parseTensor(source, e.getKey(), e.getValue(), dataSize));
    }
    checkNoOverlap(source, tensors.values());
    return new SafeTensors(source, data, Collections.unmodifiableMap(tensors));
  }

  private static Tensor parseTensor(String source, String name, JsonNode node, long dataSize) {
    String where = "tensor '" + name + "'";
    if (!node.isObject()) {
      throw error(source, where + " is not described by a JSON object");
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw error(source, where + " has no \"dtype\" string");
    }
    DType dtype;
    try {
      dtype = DType.valueOf(dtypeNode.asText().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw error(source, where + " has unsupported dtype '" + dtypeNode.asText()
          + "' (supported: " + Arrays.toString(DType.values()) + ")");
    }
    JsonNode shapeNode = node.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw error(source, where + " has no \"shape\" array");
    }
    long[] shape = new long[shapeNode.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = shapeNode.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
        throw error(source, where + " has an invalid shape " + shapeNode
            + " (dimensions must be non-negative integers)");
      }
      shape[i] = d.asLong();
      elements = multiplyChecked(source, where, elements, shape[i]);
    }
    JsonNode offsets = node.get("data_offsets");
    if (offsets == null || !offsets.isArray() || offsets.size() != 2
        || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
      throw error(source, where + " has no \"data_offsets\": [begin, end] pair of integers");
    }
    long begin = offsets.get(0).asLong();
    long end = offsets.get(1).asLong();
    if (begin < 0 || end < begin) {
      throw error(source, where + " has data_offsets [" + begin + ", " + end
          + "]: begin must be >= 0 and <= end");
    }
    if (end > dataSize) {
      throw error(source, where + " has data_offsets [" + begin + ", " + end
          + "] beyond the " + dataSize + " data bytes of the file (the file is truncated or the "
          + "offsets are wrong)");
    }
    long expected = multiplyChecked(source, where, elements, dtype.bytes());
    if (end - begin != expected) {
      throw error(source, where + " is " + dtype + " with shape " + Arrays.toString(shape)
          + ", which needs " + expected + " bytes, but its data_offsets [" + begin + ", " + end
          + "] span " + (end - begin) + " bytes");
    }
    return new Tensor(name, dtype, shape, begin, end);
  }

  private static long multiplyChecked(String source, String where, long a, long b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      throw error(source, where + " has a shape too large to address");
    }
  }

  private static void checkNoOverlap(String source, Iterable<Tensor> all) {
    List<Tensor> sorted = new ArrayList<>();
    all.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong((Tensor t) -> t.begin).thenComparingLong(t -> t.end));
    for (int i = 1; i < sorted.size(); i++) {
      Tensor a = sorted.get(i - 1);
      Tensor b = sorted.get(i);
      if (b.begin < a.end) {
        throw error(source, "tensors '" + a.name + "' [" + a.begin + ", " + a.end + ") and '"
            + b.name + "' [" + b.begin + ", " + b.end + ") overlap");
      }
    }
  }

  String source() {
    return source;
  }

  Map<String, Tensor> tensors() {
    return tensors;
  }

  Tensor get(String name) {
    return tensors.get(name);
  }

  /** The tensor's bytes, little-endian, as a fresh view (position 0). */
  ByteBuffer bytes(Tensor t) {
    ByteBuffer d = data.duplicate();
    d.position((int) t.begin).limit((int) t.end);
    return d.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  static Model2VecException error(String source, String what) {
    return new Model2VecException(source + " " + what);
  }

  static Model2VecException error(String source, String what, Throwable cause) {
    return new Model2VecException(source + " " + what, cause);
  }
}
