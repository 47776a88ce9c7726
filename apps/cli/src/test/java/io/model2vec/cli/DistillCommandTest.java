package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.StaticModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillCommandTest {
  @TempDir
  Path tmp;

  @Test
  void distilsASliceOfTheBundledTeacherIntoALoadableModel() throws IOException {
    Path out = tmp.resolve("m");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    System.setProperty("model2vec.stderr.terminal", "true"); // as bin/launch says on a terminal
    try {
      code = withStderr(err, () -> Model2VecCli.run("distill", "--teacher", "bge-small-en-v1.5",
          "--output", out.toString(), "--vocabulary-limit", "400", "--pca-dims", "32",
          "--dtype", "i8", "--threads", "2"));
    } finally {
      System.clearProperty("model2vec.stderr.terminal");
    }
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("Distilling").contains("400/400")
        .containsPattern("model2vec distill: wrote .* \\(400 x 32, I8\\), [0-9.]+ s "
            + "\\([0-9.,]+ tokens/s\\)");
    // off a terminal only the summary; with --quiet nothing
    err.reset();
    assertThat(withStderr(err, () -> Model2VecCli.run("distill", "--teacher",
        "bge-small-en-v1.5", "--output", tmp.resolve("m2").toString(), "--vocabulary-limit",
        "120", "--pca-dims", "0", "--threads", "2"))).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("Distilling")
        .startsWith("model2vec distill: wrote ");
    err.reset();
    assertThat(withStderr(err, () -> Model2VecCli.run("distill", "--teacher",
        "bge-small-en-v1.5", "--output", tmp.resolve("m3").toString(), "--vocabulary-limit",
        "120", "--pca-dims", "0", "--threads", "2", "--quiet"))).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
    assertThat(config.get("apply_pca").asInt()).isEqualTo(32);
    assertThat(config.get("embedding_dtype").asText()).isEqualTo("int8");
    assertThat(config.get("tokenizer_name").asText()).isEqualTo("bge-small-en-v1.5");
    try (StaticModel m = StaticModel.load(out)) {
      assertThat(m.dimension()).isEqualTo(32);
      assertThat(m.tableDtype()).isEqualTo("I8");
      assertThat(m.vocabularySize()).isEqualTo(400);
    }
  }

  @Test
  void teacherFilesAndNameAreExclusiveAndRequired() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(withStderr(err, () -> Model2VecCli.run("distill", "--output", tmp.toString())))
        .isEqualTo(2);
    assertThat(withStderr(err, () -> Model2VecCli.run("distill", "--teacher", "x",
        "--teacher-onnx", "a.onnx", "--tokenizer", "t.json", "--output", tmp.toString())))
        .isEqualTo(2);
    assertThat(withStderr(err, () -> Model2VecCli.run("distill", "--teacher-onnx",
        tmp.resolve("missing.onnx").toString(), "--tokenizer", "t.json", "--output",
        tmp.toString()))).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.onnx");
  }

  @Test
  void badDtypeIsAUsageError() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(withStderr(err, () -> Model2VecCli.run("distill", "--teacher", "bge-small-en-v1.5",
        "--output", tmp.toString(), "--dtype", "f64"))).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--dtype must be f32, f16 or i8");
  }

  @Test
  void encodeWithoutModelUsesTheBuiltInDefault() throws IOException {
    Path in = Files.writeString(tmp.resolve("in.txt"), "hello world\n");
    Path out = tmp.resolve("out.jsonl");
    assertThat(Model2VecCli.run("encode", "--input", in.toString(), "--output", out.toString(),
        "--format", "text")).isZero();
    List<String> rows = Files.readAllLines(out);
    JsonNode row = new ObjectMapper().readTree(rows.get(0));
    try (StaticModel def = StaticModel.load((String) null)) {
      assertThat(EncodeCommandTest.vector(row.get("embedding")))
          .containsExactly(def.encode("hello world"));
      assertThat(def.dimension()).isEqualTo(384);
    }
  }

  static int withStderr(ByteArrayOutputStream sink, java.util.function.IntSupplier body) {
    PrintStream old = System.err;
    System.setErr(new PrintStream(sink, true, StandardCharsets.UTF_8));
    try {
      return body.getAsInt();
    } finally {
      System.setErr(old);
    }
  }
}
