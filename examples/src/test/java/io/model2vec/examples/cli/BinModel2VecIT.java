package io.model2vec.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code bin/model2vec} as a user does: a separate process, from another directory. */
class BinModel2VecIT {
  @TempDir
  Path tmp;

  @Test
  void encodeFromStdinInAnotherWorkingDirectory() throws Exception {
    Path script = Paths.get(System.getProperty("model2vec.repo", "..")).resolve("bin/model2vec")
        .toAbsolutePath().normalize();
    Path in = Files.writeString(tmp.resolve("in.jsonl"),
        "{\"id\":7,\"text\":\"hello world\"}\n{\"id\":8}\n");
    Process p = new ProcessBuilder(script.toString(), "encode", "--model",
        Fixtures.model("test-model-float32").toString())
        .directory(tmp.toFile())
        .redirectInput(in.toFile())
        .redirectError(new File(tmp.toFile(), "err.txt"))
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("err.txt"))).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines).hasSize(2);
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.get("id").asInt()).isEqualTo(7);
    float[] expected = Fixtures.expected("embeddings_short.json")[0];
    Fixtures.assertClose(EncodeCommandTest.vector(first.get("embedding")), expected, 1e-5,
        "bin/model2vec 'hello world'");
    assertThat(new ObjectMapper().readTree(lines.get(1)).get("embedding").isNull()).isTrue();
  }

  @Test
  void helpListsTheEncodeFlags() throws Exception {
    Path script = Paths.get(System.getProperty("model2vec.repo", "..")).resolve("bin/model2vec")
        .toAbsolutePath().normalize();
    Process p = new ProcessBuilder(script.toString(), "encode", "--help")
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("--model", "--input", "--output", "--field", "--format",
        "--max-length", "--no-max-length", "--normalize", "--dimensions", "--threads");
  }
}
