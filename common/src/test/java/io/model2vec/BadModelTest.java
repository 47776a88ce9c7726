package io.model2vec;

import static io.model2vec.TestModels.f32;
import static io.model2vec.TestModels.f64;
import static io.model2vec.TestModels.i32;
import static io.model2vec.TestModels.i64;
import static io.model2vec.TestModels.shape;
import static io.model2vec.TestModels.tensors;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.TestModels.T;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of broken model fails with a Model2VecException naming the culprit. */
class BadModelTest {
  private static final int ROWS = TestModels.FIXTURE_ROWS;
  private static final String CONFIG = "{\"normalize\": true}";

  @TempDir
  Path tmp;

  private static T table() {
    return new T("F32", shape(ROWS, 2), f32(TestModels.fixtureTable()));
  }

  private AbstractThrowableAssert<?, ? extends Throwable> loading(Path folder) {
    return assertThatThrownBy(() -> StaticModel.load(folder)).isInstanceOf(Model2VecException.class);
  }

  private Path model(byte[] tensors) {
    return TestModels.folder(tmp.resolve("m"), tensors, null, CONFIG);
  }

  @Test
  void missingFolderAndFiles() throws Exception {
    loading(tmp.resolve("absent")).hasMessageContaining("absent").hasMessageContaining("does not exist");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    loading(empty).hasMessageContaining("has no model.safetensors");
    Path noTokenizer = model(TestModels.safetensors(tensors("embeddings", table())));
    Files.delete(noTokenizer.resolve("tokenizer.json"));
    loading(noTokenizer).hasMessageContaining("has no tokenizer.json");
  }

  @Test
  void noModelWithoutTheDefaultModelJarNamesTheArtifact() {
    // common's tests do not have model2vec-default-model on the classpath
    assertThatThrownBy(() -> StaticModel.load((String) null)).isInstanceOf(Model2VecException.class)
        .hasMessageContaining("no model was given")
        .hasMessageContaining("io.model2vec:model2vec-default-model");
    assertThatThrownBy(() -> StaticModel.load(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("was ' '");
  }

  @Test
  void malformedConfigAndTokenizer() throws Exception {
    byte[] ok = TestModels.safetensors(tensors("embeddings", table()));
    Path badConfig = TestModels.folder(tmp.resolve("c"), ok, null, "{\"normalize\": tru");
    loading(badConfig).hasMessageContaining("config.json").hasMessageContaining("not valid JSON");
    Path wrongType = TestModels.folder(tmp.resolve("c2"), ok, null, "{\"normalize\": \"yes\"}");
    loading(wrongType).hasMessageContaining("'normalize'").hasMessageContaining("true or false");
    Path badTok = TestModels.folder(tmp.resolve("t"), ok, "{\"model\": {", CONFIG);
    loading(badTok).hasMessageContaining("tokenizer.json").hasMessageContaining("not valid JSON");
    Path noModel = TestModels.folder(tmp.resolve("t2"), ok, "{\"version\": \"1.0\"}", CONFIG);
    loading(noModel).hasMessageContaining("tokenizer.json").hasMessageContaining("\"model\"");
    // valid to us, rejected by the HuggingFace library: the message names the file
    String tok = Files.readString(Fixtures.model("test-model-float32").resolve("tokenizer.json"))
        .replace("\"type\": \"BertPreTokenizer\"", "\"type\": \"NoSuchPreTokenizer\"")
        .replace("\"type\":\"BertPreTokenizer\"", "\"type\":\"NoSuchPreTokenizer\"");
    Path rejected = TestModels.folder(tmp.resolve("t3"), ok, tok, CONFIG);
    loading(rejected).hasMessageContaining("tokenizer.json");
  }

  @Test
  void truncatedFiles() throws Exception {
    byte[] ok = TestModels.safetensors(tensors("embeddings", table()));
    for (int cut : new int[] {0, 4, 8, 20, ok.length / 2, ok.length - 1}) {
      Path m = TestModels.folder(tmp.resolve("cut" + cut), Arrays.copyOf(ok, cut), null, CONFIG);
      loading(m).hasMessageContaining("model.safetensors");
    }
  }

  @Test
  void headerProblems() {
    byte[] data = f32(TestModels.fixtureTable());
    byte[] tooLong = TestModels.withHeader("{}", new byte[0]);
    tooLong[0] = (byte) 0xff;
    tooLong[1] = (byte) 0xff;
    loading(model(tooLong)).hasMessageContaining("declares a header of");
    loading(TestModels.folder(tmp.resolve("nj"), TestModels.withHeader("not json", data), null, CONFIG))
        .hasMessageContaining("not valid JSON");
    String shape = "\"shape\":[" + ROWS + ",2]";
    loading(TestModels.folder(tmp.resolve("oob"), TestModels.withHeader(
        "{\"embeddings\":{\"dtype\":\"F32\"," + shape + ",\"data_offsets\":[0," + (data.length + 4)
            + "]}}", data), null, CONFIG))
        .hasMessageContaining("tensor 'embeddings'").hasMessageContaining("beyond");
    loading(TestModels.folder(tmp.resolve("neg"), TestModels.withHeader(
        "{\"embeddings\":{\"dtype\":\"F32\"," + shape + ",\"data_offsets\":[8,4]}}", data), null, CONFIG))
        .hasMessageContaining("begin must be >= 0 and <= end");
    loading(TestModels.folder(tmp.resolve("size"), TestModels.withHeader(
        "{\"embeddings\":{\"dtype\":\"F32\"," + shape + ",\"data_offsets\":[4," + data.length
            + "]}}", data), null, CONFIG))
        .hasMessageContaining("needs " + data.length + " bytes");
    loading(TestModels.folder(tmp.resolve("overlap"), TestModels.withHeader(
        "{\"embeddings\":{\"dtype\":\"F32\"," + shape + ",\"data_offsets\":[0," + data.length
            + "]},\"weights\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", data),
        null, CONFIG))
        .hasMessageContaining("overlap").hasMessageContaining("'weights'");
    loading(TestModels.folder(tmp.resolve("dtype"), TestModels.withHeader(
        "{\"embeddings\":{\"dtype\":\"F8_E4M3\",\"shape\":[2,2],\"data_offsets\":[0,4]}}", data),
        null, CONFIG))
        .hasMessageContaining("unsupported dtype 'F8_E4M3'");
    loading(TestModels.folder(tmp.resolve("u16"), TestModels.safetensors(tensors(
        "embeddings", new T("I16", shape(ROWS, 2), new byte[ROWS * 4]))), null, CONFIG))
        .hasMessageContaining("dtype I16").hasMessageContaining("must be F32");
  }

  @Test
  void wrongTableShapes() {
    float[] t = TestModels.fixtureTable();
    loading(model(TestModels.safetensors(tensors("embeddings", new T("F32", shape(ROWS * 2), f32(t))))))
        .hasMessageContaining("tensor 'embeddings' must be 2-D");
    loading(TestModels.folder(tmp.resolve("3d"), TestModels.safetensors(tensors("embeddings",
        new T("F32", shape(ROWS, 1, 2), f32(t)))), null, CONFIG))
        .hasMessageContaining("must be 2-D").hasMessageContaining("[29528, 1, 2]");
    loading(TestModels.folder(tmp.resolve("rows"), TestModels.safetensors(tensors("embeddings",
        new T("F32", shape(ROWS - 1, 2), f32(Arrays.copyOf(t, t.length - 2))))), null, CONFIG))
        .hasMessageContaining("29527 rows").hasMessageContaining("vocabulary of 29528")
        .hasMessageContaining("no 'mapping'");
    loading(TestModels.folder(tmp.resolve("none"), TestModels.safetensors(tensors("table", table())),
        null, CONFIG))
        .hasMessageContaining("no embedding tensor").hasMessageContaining("[table]");
  }

  @Test
  void badMappingAndWeights() {
    T small = new T("F32", shape(4, 2), f32(new float[8]));
    int[] map = new int[ROWS];
    map[17] = 4;
    loading(TestModels.folder(tmp.resolve("m32"), TestModels.safetensors(tensors("embeddings", small,
        "mapping", new T("I32", shape(ROWS), i32(map)))), null, CONFIG))
        .hasMessageContaining("'mapping' maps token 17 to row 4, outside the 4 rows");
    long[] map64 = new long[ROWS];
    map64[3] = -1;
    loading(TestModels.folder(tmp.resolve("m64"), TestModels.safetensors(tensors("embeddings", small,
        "mapping", new T("I64", shape(ROWS), i64(map64)))), null, CONFIG))
        .hasMessageContaining("maps token 3 to row -1");
    loading(TestModels.folder(tmp.resolve("mlen"), TestModels.safetensors(tensors("embeddings", small,
        "mapping", new T("I32", shape(10), i32(new int[10])))), null, CONFIG))
        .hasMessageContaining("'mapping' has 10 entries").hasMessageContaining("29528");
    loading(TestModels.folder(tmp.resolve("mf"), TestModels.safetensors(tensors("embeddings", small,
        "mapping", new T("F32", shape(ROWS), f32(new float[ROWS])))), null, CONFIG))
        .hasMessageContaining("'mapping' has dtype F32");
    loading(TestModels.folder(tmp.resolve("wlen"), TestModels.safetensors(tensors("embeddings", table(),
        "weights", new T("F64", shape(5), f64(new double[5])))), null, CONFIG))
        .hasMessageContaining("'weights' has 5 entries");
    loading(TestModels.folder(tmp.resolve("wdt"), TestModels.safetensors(tensors("embeddings", table(),
        "weights", new T("I32", shape(ROWS), i32(new int[ROWS])))), null, CONFIG))
        .hasMessageContaining("'weights' has dtype I32");
    double[] w = new double[ROWS];
    w[9] = Double.NaN;
    loading(TestModels.folder(tmp.resolve("wnan"), TestModels.safetensors(tensors("embeddings", table(),
        "weights", new T("F64", shape(ROWS), f64(w)))), null, CONFIG))
        .hasMessageContaining("'weights' holds NaN for token 9");
  }

  @Test
  void nonFiniteValuesInTheTableAreRejected() {
    float[] t = TestModels.fixtureTable();
    t[2 * 1000 + 1] = Float.NaN;
    loading(model(TestModels.safetensors(tensors("embeddings", new T("F32", shape(ROWS, 2), f32(t))))))
        .hasMessageContaining("tensor 'embeddings' holds NaN at row 1000, column 1");
    float[] u = TestModels.fixtureTable();
    u[0] = Float.POSITIVE_INFINITY;
    loading(TestModels.folder(tmp.resolve("inf"), TestModels.safetensors(tensors("embeddings",
        new T("F16", shape(ROWS, 2), TestModels.f16(u)))), null, CONFIG))
        .hasMessageContaining("Infinity at row 0, column 0");
    float[] b = TestModels.fixtureTable();
    b[2 * 2000] = Float.NaN;
    loading(TestModels.folder(tmp.resolve("bf16"), TestModels.safetensors(tensors("embeddings",
        new T("BF16", shape(ROWS, 2), TestModels.bf16(b)))), null, CONFIG))
        .hasMessageContaining("NaN at row 2000, column 0");
    double[] d = new double[ROWS * 2];
    d[2 * 3 + 1] = 1e300; // finite as a double, infinite as the float it pools into
    loading(TestModels.folder(tmp.resolve("f64"), TestModels.safetensors(tensors("embeddings",
        new T("F64", shape(ROWS, 2), TestModels.f64(d)))), null, CONFIG))
        .hasMessageContaining("Infinity at row 3, column 1");
    float[] h = TestModels.fixtureTable();
    h[2 * (ROWS - 1) + 1] = Float.NEGATIVE_INFINITY; // the very last value of the table
    loading(TestModels.folder(tmp.resolve("f16last"), TestModels.safetensors(tensors("embeddings",
        new T("F16", shape(ROWS, 2), TestModels.f16(h)))), null, CONFIG))
        .hasMessageContaining("-Infinity at row " + (ROWS - 1) + ", column 1");
  }

  @Test
  void optionChecksNameTheRuleAndTheValue() {
    assertThatThrownBy(() -> LoadOptions.builder().maxLength(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxLength must be >= 1")
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> LoadOptions.builder().dimensions(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimensions must be >= 0");
    assertThatThrownBy(() -> StaticModel.load(Fixtures.model("test-model-float32"),
        LoadOptions.builder().dimensions(3).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimensions must be <= the model's 2");
    assertThatThrownBy(() -> LoadOptions.builder().subfolder("../x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'..'");
    assertThatThrownBy(() -> StaticModel.load("no such thing!"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("neither an existing folder");
  }
}
