package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model2vec classify} on the pipeline fixtures: each row gets the reference's prediction
 * (the fixtures' expected.jsonl rows are the input: their old label / proba fields are replaced).
 */
class ClassifyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  Path pipeline(String name) throws IOException {
    if (Files.exists(tmp.resolve(name))) {
      return tmp.resolve(name);
    }
    Path dir = Fixtures.modelCopy("test-model-float32", tmp.resolve(name));
    Files.copy(expectedFile(name).resolveSibling("pipeline.skops"), dir.resolve("pipeline.skops"));
    return dir;
  }

  static Path expectedFile(String name) {
    return Fixtures.testdata().resolve("fixtures/pipelines").resolve(name)
        .resolve("expected.jsonl");
  }

  /** Runs classify on the fixture's expected rows; the output rows, each checked against its input. */
  List<String> classify(String name, String... more) throws IOException {
    Path out = tmp.resolve(name + ".out.jsonl");
    String[] args = {"classify", "--model", pipeline(name).toString(), "--input",
        expectedFile(name).toString(), "--output", out.toString()};
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    assertThat(Model2VecCli.run(all)).isZero();
    List<String> rows = Files.readAllLines(out);
    assertThat(rows).hasSize(305);
    return rows;
  }

  @Test
  void classifierRowsGetLabelAndProbaByClass() throws IOException {
    List<String> in = Files.readAllLines(expectedFile("mlp-multiclass"));
    List<String> rows = classify("mlp-multiclass");
    for (int i = 0; i < rows.size(); i++) {
      JsonNode want = JSON.readTree(in.get(i));
      JsonNode row = JSON.readTree(rows.get(i));
      assertThat(row.get("id")).isEqualTo(want.get("id"));
      assertThat(row.get("label").asText()).isEqualTo(want.get("label").asText());
      for (int j = 0; j < 3; j++) {
        assertThat(row.get("proba").get(want.get("classes").get(j).asText()).asDouble())
            .isCloseTo(want.get("proba").get(j).asDouble(), within(1e-5));
      }
      // the old fields of those names are dropped, not repeated
      assertThat(rows.get(i).split("\"proba\"", -1)).hasSize(2);
      assertThat(rows.get(i)).endsWith("}}");
    }
  }

  @Test
  void integerClassesAreNumbers() throws IOException {
    List<String> rows = classify("logreg-int-labels");
    JsonNode row = JSON.readTree(rows.get(0));
    assertThat(row.get("label").isIntegralNumber()).isTrue();
    assertThat(row.get("proba").has("-5")).isTrue();
  }

  @Test
  void multilabelRowsGetLabelsAboveTheThreshold() throws IOException {
    List<String> in = Files.readAllLines(expectedFile("mlp-multilabel"));
    List<String> rows = classify("mlp-multilabel");
    for (int i = 0; i < rows.size(); i++) {
      assertThat(JSON.readTree(rows.get(i)).get("labels"))
          .isEqualTo(JSON.readTree(in.get(i)).get("labels"));
    }
    List<String> none = classify("mlp-multilabel", "--threshold", "1");
    assertThat(JSON.readTree(none.get(0)).get("labels").size()).isZero();
  }

  @Test
  void projectorRowsGetTheOutput() throws IOException {
    List<String> in = Files.readAllLines(expectedFile("mlp-projector"));
    List<String> rows = classify("mlp-projector");
    JsonNode want = JSON.readTree(in.get(7)).get("output");
    JsonNode got = JSON.readTree(rows.get(7)).get("output");
    assertThat(got.size()).isEqualTo(want.size());
    for (int j = 0; j < want.size(); j++) {
      assertThat(got.get(j).asDouble()).isCloseTo(want.get(j).asDouble(), within(1e-5));
    }
  }

  @Test
  void nullTextsBadLinesAndRefusedHeads() throws IOException {
    Path dir = pipeline("logreg-binary");
    Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"id\":1,\"text\":null}",
        "{\"id\":2,\"text\":\"Hallo Welt\"}", "not json"));
    Path out = tmp.resolve("out.jsonl");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    int code;
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Model2VecCli.run("classify", "--model", dir.toString(), "--input", in.toString(),
          "--output", out.toString());
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("input line 3");
    assertThat(out).doesNotExist();

    Path rejects = tmp.resolve("rejects.jsonl");
    assertThat(Model2VecCli.run("classify", "--model", dir.toString(), "--input", in.toString(),
        "--output", out.toString(), "--on-error", "skip", "--rejects", rejects.toString()))
        .isZero();
    List<String> rows = Files.readAllLines(out);
    assertThat(rows).containsExactly("{\"id\":1,\"text\":null,\"label\":null,\"proba\":null}",
        rows.get(1));
    assertThat(JSON.readTree(rows.get(1)).get("label").asText()).isIn("de", "en");
    assertThat(Files.readAllLines(rejects)).hasSize(1);

    Path forest = Fixtures.modelCopy("test-model-float32", tmp.resolve("forest"));
    Files.copy(Fixtures.testdata().resolve("fixtures/pipelines/unsupported-random-forest/"
        + "pipeline.skops"), forest.resolve("pipeline.skops"));
    err.reset();
    try {
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Model2VecCli.run("classify", "--model", forest.toString(), "--input", in.toString(),
          "--output", out.toString());
      assertThat(Model2VecCli.run("classify", "--input", in.toString())).isEqualTo(2);
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("sklearn.ensemble._forest.RandomForestClassifier")
        .contains("--model is required");
  }
}
