package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncodeCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = Fixtures.model("test-model-vocab-quantized").toString();

  @TempDir
  Path tmp;

  @Test
  void jsonlKeepsEveryFieldAndOrderAndMatchesTheCore() throws IOException {
    List<String> texts = Fixtures.fortuneTexts(3000);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      lines.add(JSON.createObjectNode().put("id", i).put("lang", "x").put("body", texts.get(i))
          .toString());
    }
    Path in = Files.write(tmp.resolve("in.jsonl"), lines);
    Path out = tmp.resolve("out.jsonl");

    int code = Model2VecCli.run("encode", "--model", MODEL, "--input", in.toString(),
        "--output", out.toString(), "--field", "body", "--threads", "2");

    assertThat(code).isZero();
    List<String> result = Files.readAllLines(out);
    assertThat(result).hasSize(texts.size());
    try (StaticModel model = StaticModel.load(MODEL)) {
      for (int i = 0; i < result.size(); i += 97) {
        JsonNode row = JSON.readTree(result.get(i));
        assertThat(row.get("id").asInt()).isEqualTo(i);
        assertThat(row.get("lang").asText()).isEqualTo("x");
        assertThat(row.get("body").asText()).isEqualTo(texts.get(i));
        assertThat(vector(row.get("embedding"))).containsExactly(model.encode(texts.get(i)));
      }
    }
  }

  @Test
  void badOptionValuesAreUsageErrorsWithExitCode2() throws IOException {
    Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"hi\"}\n");
    String[][] cases = {
        {"--dimensions", "abc", "--dimensions must be a positive integer"},
        {"--dimensions", "100000", "--dimensions must be <= the model's"},
        {"--max-length", "-3", "--max-length must be"},
        {"--normalize", "maybe", "--normalize must be true or false, was 'maybe'"},
        {"--threads", "0", "--threads must be >= 1, was 0"}};
    for (String[] c : cases) {
      Path out = tmp.resolve("out.jsonl");
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = DistillCommandTest.withStderr(err, () -> Model2VecCli.run("encode", "--model",
          MODEL, "--input", in.toString(), "--output", out.toString(), c[0], c[1]));
      String message = err.toString(StandardCharsets.UTF_8);
      assertThat(code).as(c[0] + " " + c[1] + ": " + message).isEqualTo(2);
      assertThat(message).as(c[0] + " " + c[1]).contains(c[2]).contains("Usage:");
      assertThat(out).doesNotExist();
    }
  }

  @Test
  void theSummaryHasTheTimeAndRateAndQuietHasNone() throws IOException {
    Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"text\":\"a\"}",
        "{\"text\":\"b\"}", "{\"text\":\"c\"}"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(DistillCommandTest.withStderr(err, () -> Model2VecCli.run("encode", "--model",
        MODEL, "--input", in.toString(), "--output", tmp.resolve("o1").toString()))).isZero();
    // off a terminal (surefire's stderr): no progress line, only the summary
    assertThat(err.toString(StandardCharsets.UTF_8)).matches(
        "model2vec encode: 3 rows in, 3 out, 0 rejected, [0-9.]+ s \\([0-9.,]+ rows/s\\)\n");
    err.reset();
    assertThat(DistillCommandTest.withStderr(err, () -> Model2VecCli.run("encode", "--model",
        MODEL, "--input", in.toString(), "--output", tmp.resolve("o2").toString(), "--quiet")))
        .isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(Files.readAllLines(tmp.resolve("o2"))).hasSize(3);
  }

  @Test
  void nullOrMissingTextGivesNullEmbedding() throws IOException {
    Path in = Files.write(tmp.resolve("in.jsonl"),
        List.of("{\"id\":1,\"text\":null}", "{\"id\":2}", "", "{\"id\":3,\"text\":\"\"}"));
    Path out = tmp.resolve("out.jsonl");
    assertThat(Model2VecCli.run("encode", "--model", MODEL, "--input", in.toString(),
        "--output", out.toString())).isZero();
    List<String> rows = Files.readAllLines(out);
    assertThat(rows).hasSize(3);
    assertThat(JSON.readTree(rows.get(0)).get("embedding").isNull()).isTrue();
    assertThat(JSON.readTree(rows.get(1)).get("embedding").isNull()).isTrue();
    // the empty text has no tokens: the zero vector, not NaN
    assertThat(vector(JSON.readTree(rows.get(2)).get("embedding"))).containsOnly(0f);
  }

  @Test
  void textFormatAndOptions() throws IOException {
    Path in = Files.writeString(tmp.resolve("in.txt"), "hello world\nsecond line\n");
    Path out = tmp.resolve("out.jsonl");
    assertThat(Model2VecCli.run("encode", "--model", MODEL, "--input", in.toString(),
        "--output", out.toString(), "--format", "text", "--dimensions", "8",
        "--normalize", "false", "--no-max-length")).isZero();
    List<String> rows = Files.readAllLines(out);
    assertThat(rows).hasSize(2);
    JsonNode first = JSON.readTree(rows.get(0));
    assertThat(first.get("text").asText()).isEqualTo("hello world");
    LoadOptions options = LoadOptions.builder().dimensions(8).normalize(false).noMaxLength().build();
    try (StaticModel model = StaticModel.load(MODEL, options)) {
      assertThat(vector(first.get("embedding"))).containsExactly(model.encode("hello world"));
    }
  }

  @Test
  void malformedLineFailsNamingItsLineNumber() throws IOException {
    Path in = Files.write(tmp.resolve("in.jsonl"),
        List.of("{\"text\":\"ok\"}", "{\"text\":\"ok\"}", "{\"text\": oops}"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = withStderr(err, () -> Model2VecCli.run("encode", "--model", MODEL,
        "--input", in.toString(), "--output", tmp.resolve("out.jsonl").toString()));
    assertThat(code).isNotZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("input line 3").contains("JSON");
  }

  @Test
  void nonStringFieldFailsNamingTheLineAndType() throws IOException {
    Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"text\":\"ok\"}", "{\"text\":42}"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = withStderr(err, () -> Model2VecCli.run("encode", "--model", MODEL,
        "--input", in.toString(), "--output", tmp.resolve("out.jsonl").toString()));
    assertThat(code).isNotZero();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("input line 2").contains("'text'").contains("expected a string");
  }

  @Test
  void missingModelFailsWithItsPath() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = withStderr(err, () -> Model2VecCli.run("encode", "--model",
        tmp.resolve("nope").toString(), "--input", "/dev/null"));
    assertThat(code).isNotZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("nope");
  }

  @Test
  void conflictingMaxLengthOptionsAreAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = withStderr(err, () -> Model2VecCli.run("encode", "--model", MODEL,
        "--max-length", "5", "--no-max-length"));
    assertThat(code).isEqualTo(2);
  }

  static float[] vector(JsonNode array) {
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = array.get(i).floatValue();
    }
    return v;
  }

  private static int withStderr(ByteArrayOutputStream sink, java.util.function.IntSupplier body) {
    PrintStream old = System.err;
    System.setErr(new PrintStream(sink, true, StandardCharsets.UTF_8));
    try {
      return body.getAsInt();
    } finally {
      System.setErr(old);
    }
  }
}
