package io.model2vec.distill;

import io.model2vec.DType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Model2VecException;
import io.model2vec.StaticModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distils a slice of bge-small-en-v1.5 (the real teacher, from the langchain4j jar on the test
 * classpath) and checks every step against an independent computation.
 */
class DistillerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Ids below this are distilled: [PAD], [unused*], [CLS]..[MASK], then single characters. */
  private static final int SLICE = 1200;

  static Teacher teacher;
  static float[][] raw;

  @TempDir
  Path tmp;

  @BeforeAll
  static void distilOnce() {
    teacher = Teacher.fromClasspath("bge-small-en-v1.5", 2);
    raw = Distiller.builder().build().embedVocabulary(teacher, SLICE);
  }

  @AfterAll
  static void close() {
    teacher.close();
  }

  @Test
  void specialTokensAroundEachTokenAreClsAndSep() {
    assertThat(teacher.prefix()).containsExactly(101L);
    assertThat(teacher.suffix()).containsExactly(102L);
    assertThat(teacher.hiddenSize()).isEqualTo(384);
    assertThat(raw).hasNumberOfRows(SLICE);
    assertThat(raw[0]).hasSize(384);
  }

  @Test
  void eachRowIsTheMaskedMeanOfItsOwnForwardPass() {
    // Row i was computed in a batch of 256; recompute a few alone, and inside a batch padded to
    // a longer sequence: padding must not leak into the mean (attention mask + masked pooling).
    for (int id : new int[] {0, 101, 999, 1037, SLICE - 1}) {
      float[] alone = teacher.forward(new long[][] {{101, id, 102}}, Teacher.Pooling.MEAN)[0];
      float[][] padded = teacher.forward(new long[][] {{101, id, 102},
          {101, 2023, 2003, 1037, 2936, 6251, 102}}, Teacher.Pooling.MEAN);
      assertClose(raw[id], alone, 2e-4, "row " + id + " vs alone");
      assertClose(padded[0], alone, 2e-4, "row " + id + " padded vs alone");
    }
  }

  @Test
  void meanPoolingIsTheAverageOfThePositionsAndClsIsTheFirst() {
    // Mean of [CLS a SEP] vs CLS state of the same input: different, and mean pooling of the
    // single-position input [CLS] equals its CLS pooling.
    float[] mean = teacher.forward(new long[][] {{101, 1037, 102}}, Teacher.Pooling.MEAN)[0];
    float[] cls = teacher.forward(new long[][] {{101, 1037, 102}}, Teacher.Pooling.CLS)[0];
    assertThat(cosine(mean, cls)).isLessThan(0.999);
    float[] one = teacher.forward(new long[][] {{101}}, Teacher.Pooling.MEAN)[0];
    float[] oneCls = teacher.forward(new long[][] {{101}}, Teacher.Pooling.CLS)[0];
    assertClose(one, oneCls, 1e-6, "single position");
  }

  @Test
  void teacherSentenceEmbeddingsRankParaphrasesFirst() {
    float[][] v = teacher.encode(List.of("How do I reset my password?",
        "I forgot my password and need to change it.",
        "The stock market fell sharply on Monday."), 128, Teacher.Pooling.MEAN, 8);
    assertThat(norm(v[0])).isCloseTo(1.0, within(1e-5));
    assertThat(cosine(v[0], v[1])).isGreaterThan(cosine(v[0], v[2]) + 0.1);
  }

  @Test
  void pcaThenSifAsTheReference() throws IOException {
    Distiller.Result r = Distiller.builder().pcaDims(64).build().postProcess(raw, "{}", "t");
    float[][] noSif = Distiller.builder().pcaDims(64).sifCoefficient(null).build()
        .postProcess(raw, "{}", "t").embeddings();
    float[][] noPca = Distiller.builder().pcaDims(0).sifCoefficient(null).build()
        .postProcess(raw, "{}", "t").embeddings();
    assertThat(noPca).isDeepEqualTo(raw);
    float[][] t = r.embeddings();
    assertThat(t).hasNumberOfRows(SLICE);
    assertThat(t[0]).hasSize(64);
    // PCA: centred columns of decreasing variance.
    double[] var = new double[64];
    for (int j = 0; j < 64; j++) {
      double m = 0;
      for (float[] row : noSif) {
        m += row[j];
      }
      m /= SLICE;
      assertThat(m).as("column %d mean", j).isCloseTo(0.0, within(1e-4));
      for (float[] row : noSif) {
        var[j] += (row[j] - m) * (row[j] - m);
      }
    }
    for (int j = 1; j < 64; j++) {
      assertThat(var[j]).isLessThanOrEqualTo(var[j - 1] * (1 + 1e-6));
    }
    // SIF: row i scaled by c / (c + p_i).
    double[] w = Distiller.sifWeights(SLICE, 1e-4);
    for (int i = 0; i < SLICE; i += 37) {
      for (int j = 0; j < 64; j += 7) {
        assertThat((double) t[i][j]).isCloseTo(noSif[i][j] * w[i],
            within(1e-6 * Math.abs(noSif[i][j]) + 1e-9));
      }
    }
    JsonNode config = json(r.configJson());
    assertThat(config.get("apply_pca").asInt()).isEqualTo(64);
    assertThat(config.get("sif_coefficient").asDouble()).isEqualTo(1e-4);
    assertThat(config.get("hidden_dim").asInt()).isEqualTo(64);
  }

  @Test
  void sifWeightsFollowTheFormula() {
    double[] w = Distiller.sifWeights(3, 1e-4);
    double sum = 1.0 / 2 + 1.0 / 3 + 1.0 / 4;
    for (int i = 0; i < 3; i++) {
      double p = (1.0 / (i + 2)) / sum;
      assertThat(w[i]).isCloseTo(1e-4 / (1e-4 + p), within(1e-15));
    }
    double[] big = Distiller.sifWeights(30522, 1e-4);
    for (int i = 1; i < big.length; i++) {
      assertThat(big[i]).isGreaterThan(big[i - 1]); // rarer (later) tokens weigh more
    }
    assertThat(big[0]).isLessThan(0.01);
  }

  @Test
  void savedModelsLoadInTheCoreAndDtypesAgree() throws IOException {
    ByteArrayOutputStream bar = new ByteArrayOutputStream();
    Distiller.Result r = Distiller.builder().pcaDims(64).vocabularyLimit(SLICE)
        .tokenizerName("BAAI/bge-small-en-v1.5")
        .progress(new PrintStream(bar, true, StandardCharsets.UTF_8)).build().distill(teacher);
    assertThat(bar.toString(StandardCharsets.UTF_8)).contains("Distilling").contains("100%");
    Path f32 = tmp.resolve("f32");
    Path f16 = tmp.resolve("f16");
    Path i8 = tmp.resolve("i8");
    r.save(f32, DType.F32);
    r.save(f16, DType.F16);
    r.save(i8, DType.I8);

    for (Path dir : List.of(f32, f16, i8)) {
      assertThat(dir.resolve("config.json")).exists();
      assertThat(dir.resolve("modules.json")).exists();
      assertThat(dir.resolve("tokenizer.json")).exists();
      assertThat(dir.resolve("model.safetensors")).exists();
    }
    JsonNode config = json(Files.readString(f16.resolve("config.json")));
    assertThat(config.get("model_type").asText()).isEqualTo("model2vec");
    assertThat(config.get("architectures").get(0).asText()).isEqualTo("StaticModel");
    assertThat(config.get("tokenizer_name").asText()).isEqualTo("BAAI/bge-small-en-v1.5");
    assertThat(config.get("apply_pca").asInt()).isEqualTo(64);
    assertThat(config.get("sif_coefficient").asDouble()).isEqualTo(1e-4);
    assertThat(config.get("hidden_dim").asInt()).isEqualTo(64);
    assertThat(config.get("seq_length").asInt()).isEqualTo(1_000_000);
    assertThat(config.get("normalize").asBoolean()).isTrue();
    assertThat(config.get("pooling").asText()).isEqualTo("mean");
    assertThat(config.get("embedding_dtype").asText()).isEqualTo("float16");
    JsonNode modules = json(Files.readString(f16.resolve("modules.json")));
    assertThat(modules.get(0).get("type").asText()).endsWith("StaticEmbedding");
    assertThat(modules.get(1).get("type").asText()).endsWith("Normalize");

    for (Object[] c : new Object[][] {{f32, "F32", 4}, {f16, "F16", 2}, {i8, "I8", 1}}) {
      JsonNode header = safetensorsHeader((Path) c[0]);
      assertThat(header.get("embeddings").get("dtype").asText()).isEqualTo(c[1]);
      assertThat(header.get("embeddings").get("shape").toString()).isEqualTo("[" + SLICE + ",64]");
      assertThat(Files.size(((Path) c[0]).resolve("model.safetensors")))
          .isGreaterThan((long) SLICE * 64 * (int) c[2]);
    }

    List<String> texts = List.of("a b c", "! ? .", "x y z 1 2 3", "the", "qq");
    try (StaticModel m32 = StaticModel.load(f32); StaticModel m16 = StaticModel.load(f16);
        StaticModel m8 = StaticModel.load(i8)) {
      assertThat(m32.dimension()).isEqualTo(64);
      assertThat(m32.vocabularySize()).isEqualTo(SLICE);
      assertThat(m16.tableDtype()).isEqualTo("F16");
      assertThat(m8.tableDtype()).isEqualTo("I8");
      // The table the core reads is the one we distilled (row of the token for 'a' = id 1037).
      int[] ids = m32.tokenize("a");
      assertThat(ids).containsExactly(1037);
      float[] expected = r.embeddings()[1037].clone();
      Teacher.normalize(expected);
      assertClose(m32.encode("a"), expected, 1e-6, "F32 'a'");
      // 'the' (id 1996) is outside the slice: the restricted tokenizer makes it [UNK], dropped.
      assertThat(m32.tokenize("the")).isEmpty();
      for (String text : texts) {
        float[] a = m32.encode(text);
        assertClose(m16.encode(text), a, 2e-3, "F16 vs F32 '" + text + "'");
        assertClose(m8.encode(text), a, 2.5e-2, "I8 vs F32 '" + text + "'");
      }
    }
  }

  @Test
  void teacherFromFilesMatchesTheClasspathTeacher() throws IOException {
    Path onnx = tmp.resolve("model.onnx");
    try (InputStream in = getClass().getClassLoader()
        .getResourceAsStream("bge-small-en-v1.5.onnx")) {
      Files.copy(in, onnx);
    }
    Path tok = Files.writeString(tmp.resolve("tokenizer.json"), teacher.tokenizerJson());
    try (Teacher fromFiles = Teacher.fromFiles(onnx, tok, 1)) {
      long[][] batch = {{101, 1037, 102}, {101, 7592, 2088, 102}};
      float[][] a = fromFiles.forward(batch, Teacher.Pooling.MEAN);
      float[][] b = teacher.forward(batch, Teacher.Pooling.MEAN);
      assertClose(a[0], b[0], 1e-5, "files vs classpath, row 0");
      assertClose(a[1], b[1], 1e-5, "files vs classpath, row 1");
    }
    Path badTok = Files.writeString(tmp.resolve("broken-tokenizer.json"), "{\"model\": {}}");
    assertThatThrownBy(() -> Teacher.fromFiles(onnx, badTok, 1))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining("broken-tokenizer.json").hasMessageContaining("model.vocab");
  }

  @Test
  void clsPoolingDistilsTheFirstPositionAndSaysSoInTheConfig() throws IOException {
    Distiller d = Distiller.builder().pooling(Teacher.Pooling.CLS).pcaDims(0)
        .sifCoefficient(null).build();
    float[][] rows = d.embedVocabulary(teacher, 3);
    for (int id = 0; id < 3; id++) {
      assertClose(rows[id], teacher.forward(new long[][] {{101, id, 102}},
          Teacher.Pooling.CLS)[0], 1e-5, "CLS row " + id);
    }
    JsonNode config = json(d.postProcess(rows, "{}", "t").configJson());
    assertThat(config.get("pooling").asText()).isEqualTo("cls");
    assertThat(config.get("apply_pca").isNull()).isTrue();
    assertThat(config.get("sif_coefficient").isNull()).isTrue();
    assertThat(config.get("hidden_dim").asInt()).isEqualTo(384);
  }

  @Test
  void vocabularyLimitRefusesToDropSpecialTokens() {
    assertThatThrownBy(() -> Distiller.builder().vocabularyLimit(50).build().distill(teacher))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[UNK]");
  }

  @Test
  void missingTeacherFilesAreNamed() {
    Path missing = tmp.resolve("nope.onnx");
    assertThatThrownBy(() -> Teacher.fromFiles(missing, tmp.resolve("tok.json"), 1))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("nope.onnx");
    assertThatThrownBy(() -> Teacher.fromClasspath("no-such-model", 1))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("no-such-model.onnx");
  }

  @Test
  void notAnOnnxFileIsRejectedWithItsName() throws IOException {
    Path bad = Files.writeString(tmp.resolve("bad.onnx"), "not a model");
    Path tok = Files.writeString(tmp.resolve("tokenizer.json"), teacher.tokenizerJson());
    assertThatThrownBy(() -> Teacher.fromFiles(bad, tok, 1))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("bad.onnx");
  }

  // ---------------------------------------------------------------- helpers

  static JsonNode safetensorsHeader(Path dir) throws IOException {
    byte[] b = Files.readAllBytes(dir.resolve("model.safetensors"));
    long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(n % 8).isZero();
    JsonNode h = json(new String(b, 8, (int) n, StandardCharsets.UTF_8));
    long end = h.get("embeddings").get("data_offsets").get(1).asLong();
    assertThat(8 + n + end).isEqualTo(b.length);
    return h;
  }

  static JsonNode json(String s) throws IOException {
    return JSON.readTree(s);
  }

  static double cosine(float[] a, float[] b) {
    double d = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      d += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return d / Math.sqrt(na * nb);
  }

  static double norm(float[] a) {
    double s = 0;
    for (float x : a) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  static void assertClose(float[] actual, float[] expected, double abs, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    for (int i = 0; i < actual.length; i++) {
      if (Math.abs(actual[i] - expected[i]) > abs) {
        throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected "
            + expected[i] + " (tolerance " + abs + ")");
      }
    }
  }
}
