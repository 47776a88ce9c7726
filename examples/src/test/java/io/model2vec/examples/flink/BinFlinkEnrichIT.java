package io.model2vec.examples.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code bin/flink-enrich} as a user does: a separate process from another directory, on the
 * examples classpath (which also holds Spark: this proves the Flink job runs beside it).
 */
class BinFlinkEnrichIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private static Path script() {
    return Paths.get(System.getProperty("model2vec.repo", "..")).resolve("bin/flink-enrich")
        .toAbsolutePath().normalize();
  }

  @Test
  void enrichesAFolderOfJsonlExactlyOnceAndPrintsASummary() throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    List<String> texts = Fixtures.fortuneTexts(150);
    StringBuilder a = new StringBuilder();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < texts.size(); i++) {
      String line = JSON.createObjectNode().put("id", i).put("body", texts.get(i)).toString();
      (i % 2 == 0 ? a : b).append(line).append('\n');
    }
    a.append("{\"id\":-1}\n\n");
    Files.writeString(in.resolve("a.jsonl"), a);
    Files.writeString(in.resolve("b.jsonl"), b);
    Path out = tmp.resolve("out");
    String model = Fixtures.model("test-model-vocab-quantized").toString();

    Process p = new ProcessBuilder(script().toString(), "--model", model, "--input", in.toString(),
        "--output", out.toString(), "--parallelism", "2", "--text-field", "body",
        "--checkpoint-interval", "1")
        .directory(tmp.toFile())
        .redirectError(new File(tmp.toFile(), "err.txt"))
        .start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(stdout + Files.readString(tmp.resolve("err.txt"))).isZero();
    assertThat(stdout).containsPattern(
        "flink-enrich: 151 records in [0-9.]+ s \\([0-9]+ records/s; job running [0-9.]+ s");

    Map<Integer, JsonNode> byId = new HashMap<>();
    List<Path> parts = new ArrayList<>();
    try (Stream<Path> files = Files.list(out)) {
      files.forEach(parts::add);
    }
    assertThat(parts).allMatch(f -> f.getFileName().toString().matches("part-.*\\.jsonl"));
    int lines = 0;
    for (Path f : parts) {
      for (String line : Files.readAllLines(f)) {
        lines++;
        JsonNode node = JSON.readTree(line);
        byId.put(node.get("id").asInt(), node);
      }
    }
    assertThat(lines).isEqualTo(texts.size() + 1);
    assertThat(byId.get(-1).get("embedding").isNull()).isTrue();
    try (StaticModel core = StaticModel.load(model)) {
      for (int i = 0; i < texts.size(); i++) {
        JsonNode node = byId.get(i);
        assertThat(node.get("body").asText()).isEqualTo(texts.get(i));
        float[] expected = core.encode(texts.get(i));
        JsonNode e = node.get("embedding");
        assertThat(e.size()).isEqualTo(expected.length);
        for (int j = 0; j < expected.length; j++) {
          assertThat(e.get(j).floatValue()).as("record %d dim %d", i, j).isEqualTo(expected[j]);
        }
      }
    }
  }

  @Test
  void helpListsTheFlagsAndBadFlagsFailFast() throws Exception {
    Process p = new ProcessBuilder(script().toString(), "--help")
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(out).contains("--model", "--input", "--output", "--parallelism", "--text-field",
        "--monitor-interval", "--checkpoint-interval", "--max-length", "--normalize");

    Process bad = new ProcessBuilder(script().toString(), "--input", tmp.toString(), "--output",
        tmp.resolve("o").toString(), "--parallelism", "0")
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String err = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.exitValue()).isEqualTo(2);
    assertThat(err).contains("--parallelism must be >= 1, was 0");
  }
}
