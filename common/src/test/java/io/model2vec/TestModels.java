package io.model2vec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes small model folders, valid or deliberately broken, for tests. */
public final class TestModels {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestModels() {}

  /** A tensor to write: dtype name as in safetensors, shape, and raw little-endian bytes. */
  public static final class T {
    final String dtype;
    final long[] shape;
    final byte[] data;

    public T(String dtype, long[] shape, byte[] data) {
      this.dtype = dtype;
      this.shape = shape;
      this.data = data;
    }
  }

  /** A safetensors file holding {@code tensors} back to back, in map order. */
  public static byte[] safetensors(Map<String, T> tensors) {
    ObjectNode header = JSON.createObjectNode();
    long offset = 0;
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, T> e : tensors.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", e.getValue().dtype);
      var shape = t.putArray("shape");
      for (long d : e.getValue().shape) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(offset).add(offset + e.getValue().data.length);
      offset += e.getValue().data.length;
      data.writeBytes(e.getValue().data);
    }
    return withHeader(header.toString(), data.toByteArray());
  }

  /** A safetensors file with a header written by hand. */
  public static byte[] withHeader(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put(data);
    return b.array();
  }

  public static byte[] f32(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  public static byte[] f64(double[] v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) {
      b.putDouble(x);
    }
    return b.array();
  }

  public static byte[] i32(int[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) {
      b.putInt(x);
    }
    return b.array();
  }

  public static byte[] i64(long[] v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) {
      b.putLong(x);
    }
    return b.array();
  }

  /** Float to IEEE half (round to nearest even), for F16 test tables. */
  public static short toHalf(float f) {
    int bits = Float.floatToIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int val = (bits & 0x7fffffff) + 0x1000;
    if (val >= 0x47800000) {
      return (short) (sign | 0x7c00);
    }
    if (val >= 0x38800000) {
      return (short) (sign | ((val - 0x38000000) >>> 13));
    }
    if (val < 0x33000000) {
      return (short) sign;
    }
    val = (bits & 0x7fffffff) >>> 23;
    return (short) (sign | ((((bits & 0x7fffff) | 0x800000) + (0x800000 >>> (val - 102))) >>> (126 - val)));
  }

  public static byte[] f16(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putShort(toHalf(x));
    }
    return b.array();
  }

  public static byte[] bf16(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putShort((short) (Float.floatToIntBits(x) >>> 16));
    }
    return b.array();
  }

  /** The float32 fixture's table, row-major, and its shape. */
  public static float[] fixtureTable() {
    try {
      byte[] file = Files.readAllBytes(Fixtures.model("test-model-float32").resolve("model.safetensors"));
      SafeTensors st = SafeTensors.parse(ByteBuffer.wrap(file), "fixture");
      SafeTensors.Tensor t = st.get("embeddings");
      float[] v = new float[(int) t.elements()];
      st.bytes(t).asFloatBuffer().get(v);
      return v;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static final int FIXTURE_ROWS = 29528;
  public static final int FIXTURE_DIM = 2;

  /**
   * A model folder: {@code model.safetensors} with the given bytes, the float32 fixture's
   * tokenizer (unless {@code tokenizer} is given), and a config with normalize as given.
   */
  public static Path folder(Path dir, byte[] tensors, String tokenizer, String config) {
    try {
      Files.createDirectories(dir);
      Files.write(dir.resolve("model.safetensors"), tensors);
      if (tokenizer == null) {
        Files.copy(Fixtures.model("test-model-float32").resolve("tokenizer.json"),
            dir.resolve("tokenizer.json"));
      } else {
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer);
      }
      if (config != null) {
        Files.writeString(dir.resolve("config.json"), config);
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Map<String, T> tensors(Object... nameAndTensor) {
    Map<String, T> m = new LinkedHashMap<>();
    for (int i = 0; i < nameAndTensor.length; i += 2) {
      m.put((String) nameAndTensor[i], (T) nameAndTensor[i + 1]);
    }
    return m;
  }

  public static long[] shape(long... dims) {
    return dims;
  }

  /** Splits a list into fixed-size chunks. */
  static <E> List<List<E>> chunks(List<E> list, int size) {
    List<List<E>> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i += size) {
      out.add(list.subList(i, Math.min(list.size(), i + size)));
    }
    return out;
  }
}
