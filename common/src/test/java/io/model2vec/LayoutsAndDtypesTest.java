package io.model2vec;

import static io.model2vec.TestModels.f32;
import static io.model2vec.TestModels.shape;
import static io.model2vec.TestModels.tensors;
import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.TestModels.T;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every layout and dtype of the SPEC, checked against the float32 fixture or a hand computation. */
class LayoutsAndDtypesTest {
  private static final int ROWS = TestModels.FIXTURE_ROWS;
  private static final List<String> TEXTS = List.of("hello world", "The quick brown fox jumps.",
      "Ünïcödé façade, 東京 and emoji 🙂", String.join(" ", Collections.nCopies(700, "hello")));

  @TempDir
  Path tmp;

  private static StaticModel reference() {
    return StaticModel.load(Fixtures.model("test-model-float32"));
  }

  private static void assertSameVectors(StaticModel actual, StaticModel expected, double abs) {
    for (String t : TEXTS) {
      Fixtures.assertClose(actual.encode(t), expected.encode(t), 1e-5, abs, t);
    }
  }

  @Test
  void everyTableDtype() throws Exception {
    float[] t = TestModels.fixtureTable();
    double[] d = new double[t.length];
    for (int i = 0; i < t.length; i++) {
      d[i] = t[i];
    }
    try (StaticModel ref = reference()) {
      Object[][] cases = {
          {"F64", TestModels.f64(d), 0.0},
          {"F16", TestModels.f16(t), 2e-3},
          {"BF16", TestModels.bf16(t), 2e-2},
      };
      for (Object[] c : cases) {
        Path m = TestModels.folder(tmp.resolve((String) c[0]), TestModels.safetensors(
            tensors("embeddings", new T((String) c[0], shape(ROWS, 2), (byte[]) c[1]))), null,
            "{\"normalize\": true}");
        try (StaticModel model = StaticModel.load(m)) {
          assertThat(model.tableDtype()).isEqualTo(c[0]);
          assertSameVectors(model, ref, (double) c[2]);
        }
      }
    }
  }

  @Test
  void layouts() throws Exception {
    Path f32 = Fixtures.model("test-model-float32");
    try (StaticModel ref = reference()) {
      // sentence-transformers nested: config above, tensors + tokenizer in 0_StaticEmbedding/
      Path nested = Files.createDirectories(tmp.resolve("st/0_StaticEmbedding"));
      Files.writeString(tmp.resolve("st/config_sentence_transformers.json"), "{}");
      Files.writeString(tmp.resolve("st/modules.json"), "[{\"idx\":0,\"path\":\"0_StaticEmbedding\","
          + "\"type\":\"sentence_transformers.models.StaticEmbedding\"},{\"idx\":1,\"path\":\"1_Normalize\","
          + "\"type\":\"sentence_transformers.models.Normalize\"}]");
      byte[] st = TestModels.safetensors(tensors("embedding.weight",
          new T("F32", shape(ROWS, 2), f32(TestModels.fixtureTable()))));
      Files.write(nested.resolve("model.safetensors"), st);
      Files.copy(f32.resolve("tokenizer.json"), nested.resolve("tokenizer.json"));
      try (StaticModel m = StaticModel.load(tmp.resolve("st"))) {
        assertThat(m.normalizes()).as("Normalize module in modules.json").isTrue();
        assertSameVectors(m, ref, 0);
      }
      // the nested folder alone takes its config from the parent
      try (StaticModel m = StaticModel.load(nested)) {
        assertSameVectors(m, ref, 0);
      }
      // subfolder option
      try (StaticModel m = StaticModel.load(tmp.resolve("st"),
          LoadOptions.builder().subfolder("0_StaticEmbedding").build())) {
        assertSameVectors(m, ref, 0);
      }
      // legacy file name and tensor "0"
      Path legacy = Files.createDirectories(tmp.resolve("legacy"));
      Files.write(legacy.resolve("embeddings.safetensors"), TestModels.safetensors(tensors("0",
          new T("F32", shape(ROWS, 2), f32(TestModels.fixtureTable())))));
      Files.copy(f32.resolve("tokenizer.json"), legacy.resolve("tokenizer.json"));
      Files.copy(f32.resolve("config.json"), legacy.resolve("config.json"));
      try (StaticModel m = StaticModel.load(legacy)) {
        assertSameVectors(m, ref, 0);
      }
    }
  }

  @Test
  void weightsAndMappingAreAppliedAsTheSpecSays() {
    // 7 rows; every token maps to row id % 7 and has weight 1 + (id % 3)
    int rows = 7;
    float[] table = new float[rows * 3];
    for (int i = 0; i < table.length; i++) {
      table[i] = (float) Math.sin(i + 1);
    }
    int[] map = new int[ROWS];
    long[] map64 = new long[ROWS];
    double[] w = new double[ROWS];
    float[] wf = new float[ROWS];
    for (int id = 0; id < ROWS; id++) {
      map[id] = id % rows;
      map64[id] = id % rows;
      w[id] = 1 + (id % 3);
      wf[id] = (float) w[id];
    }
    T emb = new T("F32", shape(rows, 3), f32(table));
    Object[][] variants = {
        {"i32-f64", new T("I32", shape(ROWS), TestModels.i32(map)), new T("F64", shape(ROWS), TestModels.f64(w))},
        {"i64-f32", new T("I64", shape(ROWS), TestModels.i64(map64)), new T("F32", shape(ROWS), f32(wf))},
        {"i32-f16", new T("I32", shape(ROWS), TestModels.i32(map)), new T("F16", shape(ROWS), TestModels.f16(wf))},
    };
    for (Object[] v : variants) {
      Path m = TestModels.folder(tmp.resolve((String) v[0]), TestModels.safetensors(tensors(
          "embeddings", emb, "mapping", v[1], "weights", v[2])), null, "{\"normalize\": true}");
      try (StaticModel model = StaticModel.load(m)) {
        for (String text : TEXTS) {
          int[] ids = model.tokenize(text);
          double[] mean = new double[3];
          for (int id : ids) {
            for (int j = 0; j < 3; j++) {
              mean[j] += w[id] * table[map[id] * 3 + j] / ids.length;
            }
          }
          double norm = Math.sqrt(mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]);
          float[] expected = new float[3];
          for (int j = 0; j < 3; j++) {
            expected[j] = (float) (mean[j] / norm);
          }
          Fixtures.assertClose(model.encode(text), expected, 1e-5, v[0] + ": " + text);
          // encode_as_sequence: scaled rows, neither averaged nor normalized
          float[][] seq = model.encodeAsSequence(text);
          assertThat(seq).hasNumberOfRows(ids.length);
          assertThat(seq[0][1]).isCloseTo((float) (w[ids[0]] * table[map[ids[0]] * 3 + 1]),
              org.assertj.core.data.Offset.offset(1e-6f));
        }
      }
    }
  }

  @Test
  void streamsAndClasspathGiveTheSameModel() throws Exception {
    Path f32 = Fixtures.model("test-model-float32");
    try (StaticModel ref = reference();
        InputStream t = Files.newInputStream(f32.resolve("model.safetensors"));
        InputStream k = Files.newInputStream(f32.resolve("tokenizer.json"));
        InputStream c = new ByteArrayInputStream("{\"normalize\": true}".getBytes());
        StaticModel fromStreams = StaticModel.load(t, k, c, LoadOptions.defaults())) {
      assertSameVectors(fromStreams, ref, 0);

      Path res = Files.createDirectories(tmp.resolve("cp/models/tiny"));
      for (String f : new String[] {"model.safetensors", "tokenizer.json", "config.json"}) {
        Files.copy(f32.resolve(f), res.resolve(f));
      }
      ClassLoader old = Thread.currentThread().getContextClassLoader();
      try (URLClassLoader cl = new URLClassLoader(new URL[] {tmp.resolve("cp").toUri().toURL()}, old)) {
        Thread.currentThread().setContextClassLoader(cl);
        try (StaticModel fromClasspath = StaticModel.load("classpath:models/tiny")) {
          assertSameVectors(fromClasspath, ref, 0);
        }
      } finally {
        Thread.currentThread().setContextClassLoader(old);
      }
    }
  }

  @Test
  void truncationEmptyTextsAndNulls() {
    String longText = String.join(" ", Collections.nCopies(1000, "hello"));
    try (StaticModel m = StaticModel.load(Fixtures.model("test-model-float32"),
        LoadOptions.builder().noMaxLength().build());
        StaticModel d = reference()) {
      assertThat(m.tokenize(longText)).hasSize(1000);
      assertThat(d.tokenize(longText)).hasSize(512);
      assertThat(d.encode("")).containsExactly(0f, 0f);
      assertThat(d.encode("\u0000\u0001")).containsExactly(0f, 0f);
      assertThat(d.encode((String) null)).isNull();
      assertThat(d.encode(java.util.Arrays.asList("a", null, "b"))[1]).isNull();
      assertThat(d.encodeAsSequence("")).isEmpty();
      // median token length here is small, so 512 * median characters of emoji would be cut in
      // the middle of a surrogate pair if truncation counted chars instead of code points
      String emoji = "🙂".repeat(5000);
      int[] ids = d.tokenize(emoji);
      assertThat(ids).isNotNull();
      try (StaticModel tiny = StaticModel.load(Fixtures.model("test-model-float32"),
          LoadOptions.builder().maxLength(3).build())) {
        assertThat(tiny.tokenize("a 🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂 b c d e").length).isLessThanOrEqualTo(3);
        assertThat(tiny.tokenize("🙂".repeat(40))).doesNotContain(-1);
      }
    }
  }

  @Test
  void dimensionsAndNormalizeOverrides() {
    try (StaticModel q = StaticModel.load(Fixtures.model("test-model-vocab-quantized"));
        StaticModel q8 = StaticModel.load(Fixtures.model("test-model-vocab-quantized"),
            LoadOptions.builder().dimensions(8).normalize(false).build())) {
      assertThat(q8.dimension()).isEqualTo(8);
      assertThat(q8.normalizes()).isFalse();
      float[] v = q8.encode("hello world");
      double norm = 0;
      for (float x : v) {
        norm += x * x;
      }
      assertThat(Math.sqrt(norm)).isNotCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
      assertThat(q.encode("hello world")).hasSize(64);
    }
  }
}
