package io.model2vec.flink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    return Fixtures.repo().resolve("bin/flink-enrich")
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
    // on the Flink line of the module under test (flink-jobs-1.20 sets MODEL2VEC_FLINK_LINE=1.20)
    assertThat(stdout).contains(", Flink " + System.getProperty("flink.line.version") + "\n");

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
        "--monitor-interval", "--checkpoint-interval", "--max-length", "--normalize",
        "--flink 2|1.20");

    Process line = new ProcessBuilder(script().toString(), "--flink", "1.19", "--help")
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String lineErr = new String(line.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(line.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(line.exitValue()).isEqualTo(2);
    assertThat(lineErr).contains(
        "flink-enrich: --flink (or MODEL2VEC_FLINK_LINE) must be 2 or 1.20, was '1.19'");

    Process bad = new ProcessBuilder(script().toString(), "--input", tmp.toString(), "--output",
        tmp.resolve("o").toString(), "--parallelism", "0")
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String err = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.exitValue()).isEqualTo(2);
    assertThat(err).contains("--parallelism must be >= 1, was 0");
  }

  private record Run(int code, String stdout, String stderr) {}

  private Run run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(script().toString()));
    cmd.addAll(List.of(args));
    File err = new File(tmp.toFile(), "err-" + System.nanoTime() + ".txt");
    Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectError(err).start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
    String stderr = Files.readString(err.toPath());
    Files.delete(err.toPath());
    return new Run(p.exitValue(), stdout, stderr);
  }

  private List<String> names(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  private static List<String> partLines(Path dir) throws Exception {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        assertThat(f.getFileName().toString()).matches("part-.*\\.jsonl");
        lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
      }
    }
    return lines;
  }

  @Test
  void aBadLineFailsWithItsFileAndLineAndLeavesNoOutput() throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Path file = in.resolve("big.jsonl");
    int good = 200_000;
    try (OutputStream o = Files.newOutputStream(file)) {
      byte[] line = "{\"text\":\"a short text to embed\"}\n".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < good; i++) {
        o.write(line);
      }
      o.write("{\"text\": oops}\n".getBytes(StandardCharsets.UTF_8));
      o.write(line);
    }
    Path out = tmp.resolve("out");
    // checkpoints every 0.1 s: part files are committed long before the bad line is read
    Run r = run("--model", Fixtures.model("test-model-float32").toString(), "--input",
        in.toString(), "--output", out.toString(), "--checkpoint-interval", "0.1");
    assertThat(r.code()).as(r.stderr()).isEqualTo(1);
    assertThat(r.stderr()).contains("flink-enrich: " + file + " line " + (good + 1)
        + ": not valid JSON");
    assertThat(out).doesNotExist();
    assertThat(names(tmp)).containsExactly("in");
  }

  @Test
  void skipKeepsTheGoodRowsAsWrittenAndWritesTheRejects() throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    ByteArrayOutputStream a = new ByteArrayOutputStream();
    a.writeBytes(("{\"id\":1,\"n\":1e999999999,\"text\":\"hello \\ud800 world\"}\n"
        + "{\"id\":2,\"text\":\"a\"} {\"id\":3}\n"
        + "{\"id\":4,\"text\":\"caf").getBytes(StandardCharsets.UTF_8));
    a.write(0xE9);
    a.writeBytes(("\"}\n\n{\"id\":5,\"x\":0.10000000000000000001,\"text\":\"five\"}\n"
        + "{\"id\":6,\"text\":6}\n"
        + "{\"id\":7,\"text\":\"cut").getBytes(StandardCharsets.UTF_8));
    Path file = Files.write(in.resolve("a.jsonl"), a.toByteArray());
    Path out = tmp.resolve("out");
    Path rejects = tmp.resolve("rejects");

    Run r = run("--model", Fixtures.model("test-model-float32").toString(), "--input",
        in.toString(), "--output", out.toString(), "--checkpoint-interval", "1",
        "--on-error", "skip", "--rejects", rejects.toString());

    assertThat(r.code()).as(r.stdout() + r.stderr()).isZero();
    assertThat(r.stdout()).contains("flink-enrich: 2 records in").contains("4 rejected");
    List<String> rows = partLines(out);
    assertThat(rows).hasSize(2);
    assertThat(rows).anySatisfy(row -> assertThat(row)
        .startsWith("{\"id\":1,\"n\":1e999999999,\"text\":\"hello \\ud800 world\",\"embedding\":["));
    assertThat(rows).anySatisfy(row -> assertThat(row)
        .startsWith("{\"id\":5,\"x\":0.10000000000000000001,\"text\":\"five\",\"embedding\":["));
    Map<Integer, JsonNode> byLine = new HashMap<>();
    for (String line : partLines(rejects)) {
      JsonNode node = JSON.readTree(line);
      assertThat(node.get("file").asText()).isEqualTo(file.toString());
      byLine.put(node.get("line").asInt(), node);
    }
    assertThat(byLine.keySet()).containsExactlyInAnyOrder(2, 3, 6, 7);
    assertThat(byLine.get(2).get("reason").asText()).contains("more than one JSON value");
    assertThat(byLine.get(3).get("reason").asText()).contains("not valid UTF-8");
    assertThat(byLine.get(3).get("raw_base64").asText()).isNotEmpty();
    assertThat(byLine.get(6).get("raw").asText()).isEqualTo("{\"id\":6,\"text\":6}");
    assertThat(byLine.get(7).get("reason").asText()).contains("cut short");
    assertThat(names(tmp)).containsExactly("in", "out", "rejects");

    // a second run into the same folders adds its files beside the first run's
    Run again = run("--model", Fixtures.model("test-model-float32").toString(), "--input",
        in.toString(), "--output", out.toString(), "--checkpoint-interval", "1",
        "--on-error", "skip", "--rejects", rejects.toString());
    assertThat(again.code()).as(again.stdout() + again.stderr()).isZero();
    assertThat(partLines(out)).hasSize(4);
    assertThat(partLines(rejects)).hasSize(8);
    assertThat(names(tmp)).containsExactly("in", "out", "rejects");
  }

  @Test
  void messagesNameTheFileAndTheProblem() throws Exception {
    Path missing = tmp.resolve("missing.jsonl");
    Run noInput = run("--input", missing.toString(), "--output", tmp.resolve("o").toString());
    assertThat(noInput.code()).isEqualTo(1);
    assertThat(noInput.stderr()).contains("flink-enrich: cannot read input " + missing
        + ": no such file");

    Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"a\"}\n");
    Path noDir = tmp.resolve("no/such/out");
    Run noParent = run("--input", in.toString(), "--output", noDir.toString());
    assertThat(noParent.code()).isEqualTo(1);
    assertThat(noParent.stderr()).contains("flink-enrich: cannot create output " + noDir
        + ": no such directory");
    assertThat(names(tmp)).containsExactly("in.jsonl");

    Path folder = Files.createDirectories(tmp.resolve("folder"));
    Run inside = run("--input", folder.toString(), "--output", folder.resolve("out").toString());
    assertThat(inside.code()).isEqualTo(2);
    assertThat(inside.stderr()).contains("is inside --input");
  }
}
