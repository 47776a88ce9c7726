package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid model files thousands of times (truncation, byte flips in the header and its
 * length, shifted offsets, random dtypes and shapes) and asserts that every load either works or
 * throws Model2VecException: never another exception, never a crash.
 */
class ModelFuzzTest {
  private static final String[] DTYPES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8",
      "U8", "BOOL", "F8_E5M2", "", "f32", "Q4"};

  @Test
  void mutatedSafetensorsFailCleanly() throws Exception {
    int loaded = 0;
    int rejected = 0;
    for (String model : new String[] {"test-model-float32", "test-model-vocab-quantized"}) {
      byte[] valid = Files.readAllBytes(Fixtures.model(model).resolve("model.safetensors"));
      int headerLen = (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
      Random random = new Random(42 + model.hashCode());
      for (int i = 0; i < 1500; i++) {
        byte[] mutated = mutate(valid, headerLen, random);
        try {
          SafeTensors st = SafeTensors.parse(ByteBuffer.wrap(mutated), "fuzz#" + i);
          for (SafeTensors.Tensor t : st.tensors().values()) {
            if (t.shape.length == 2) {
              EmbeddingTable table = EmbeddingTable.read(st, t);
              float[] acc = new float[table.columns];
              table.addTo(acc, table.rows - 1, 1f, table.columns);
              for (float x : acc) {
                assertThat(Float.isFinite(x)).isTrue();
              }
            }
          }
          loaded++;
        } catch (Model2VecException expected) {
          assertThat(expected.getMessage()).startsWith("fuzz#" + i);
          rejected++;
        }
      }
    }
    // the mutations must exercise both outcomes
    assertThat(rejected).isGreaterThan(1000);
    assertThat(loaded).isGreaterThan(10);
  }

  @Test
  void mutatedFilesThroughTheWholeLoader(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    byte[] valid = Files.readAllBytes(Fixtures.model("test-model-vocab-quantized").resolve("model.safetensors"));
    int headerLen = (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Random random = new Random(7);
    java.nio.file.Path dir = Files.createDirectories(tmp.resolve("m"));
    for (String f : new String[] {"tokenizer.json", "config.json"}) {
      Files.copy(Fixtures.model("test-model-vocab-quantized").resolve(f), dir.resolve(f));
    }
    for (int i = 0; i < 60; i++) {
      Files.write(dir.resolve("model.safetensors"), mutate(valid, headerLen, random));
      try (StaticModel m = StaticModel.load(dir)) {
        float[] v = m.encode("fuzzing the loader, one mutation at a time");
        for (float x : v) {
          assertThat(Float.isFinite(x)).isTrue();
        }
      } catch (Model2VecException expected) {
        assertThat(expected.getMessage()).contains("model.safetensors");
      }
    }
  }

  private static byte[] mutate(byte[] valid, int headerLen, Random random) {
    byte[] b = valid.clone();
    switch (random.nextInt(6)) {
      case 0: // truncation anywhere
        return Arrays.copyOf(b, random.nextInt(b.length));
      case 1: // byte flips inside the header
        for (int k = 0, n = 1 + random.nextInt(4); k < n; k++) {
          b[8 + random.nextInt(headerLen)] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
      case 2: // the header length itself
        b[random.nextInt(8)] = (byte) random.nextInt(256);
        return b;
      default: // rewrite the header: shifted offsets, random dtypes and shapes
        String header = new String(b, 8, headerLen, StandardCharsets.UTF_8);
        String h = header;
        if (random.nextBoolean()) {
          h = h.replaceAll("\\[(\\d+),(\\d+)\\]", random.nextBoolean()
              ? "[$1," + random.nextInt(1 << 20) + "]" : "[" + random.nextInt(1000) + ",$2]");
        }
        if (random.nextBoolean()) {
          h = h.replaceFirst("\"dtype\":\"[A-Z0-9_]+\"", "\"dtype\":\"" + DTYPES[random.nextInt(DTYPES.length)] + "\"");
        }
        if (random.nextBoolean()) {
          h = h.replaceFirst("\"shape\":\\[[0-9,]*\\]", "\"shape\":[" + random.nextInt(200000) + ","
              + (random.nextInt(3) - 1) + (random.nextBoolean() ? "," + random.nextInt(4) : "") + "]");
        }
        if (random.nextInt(4) == 0) {
          h = h.replace("data_offsets", "offsets");
        }
        byte[] data = Arrays.copyOfRange(b, 8 + headerLen, b.length);
        return TestModels.withHeader(h, data);
    }
  }
}
