package io.model2vec.spark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/spark-embed} then {@code bin/spark-search}, as separate processes, as a user runs them. */
class BinSparkJobsIT {
  private static final Path REPO = Fixtures.repo()
      .toAbsolutePath().normalize();

  private static final String KNEAD = "Knead the dough for ten minutes until it is smooth and elastic.";

  @TempDir
  Path tmp;

  @Test
  void embedTheSampleCorpusThenSearchIt() throws Exception {
    String model = Fixtures.model("test-model-vocab-quantized").toString();
    Path out = tmp.resolve("sample-embeddings");
    Result embed = run("bin/spark-embed", "--model", model, "--master", "local[2]", "--input",
        REPO.resolve("examples/data/sample.jsonl").toString(), "--output", out.toString());
    assertThat(embed.code).as(embed.err).isZero();
    assertThat(embed.out).containsPattern("spark-embed: 200 rows in, 200 out, 0 rejected, [0-9.]+ s \\([0-9]+ rows/s\\)");
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".parquet"))
          .contains("_SUCCESS");
    }

    Result search = run("bin/spark-search", "--model", model, "--master", "local[1]", "--input",
        out.toString(), "--query", KNEAD, "-k", "3");
    assertThat(search.code).as(search.err).isZero();
    List<String> lines = search.out.lines().toList();
    assertThat(lines).first().isEqualTo("query: " + KNEAD);
    assertThat(lines).hasSize(5); // and the empty line that ends the block
    // the text itself is in the corpus: it is its own nearest neighbour, with cosine 1
    // rank, score, id, text: as model2vec search prints a hit
    assertThat(lines.get(1)).isEqualTo("  1  1.0000  0  " + KNEAD);
  }

  @Test
  void indexTheSampleCorpusThenSearchItWithHnswAndExact() throws Exception {
    String model = Fixtures.model("test-model-vocab-quantized").toString();
    Path out = tmp.resolve("sample-index");
    Result index = run("bin/spark-index", "--model", model, "--master", "local[2]", "--input",
        REPO.resolve("examples/data/sample.jsonl").toString(), "--output", out.toString(),
        "--shards", "3", "--quantize", "int8", "--hnsw");
    assertThat(index.code).as(index.err).isZero();
    assertThat(index.out).containsPattern(
        "spark-index: 200 rows in, 200 out, 0 rejected, 3 shards, [0-9.]+ s \\([0-9]+ rows/s\\) -> " + out);
    assertThat(out.resolve("manifest.json")).isRegularFile();
    assertThat(out.resolve("shard-00002")).isDirectory();

    for (String exact : List.of("no", "yes")) {
      List<String> args = new ArrayList<>(List.of("--master", "local[1]", "--index", out.toString(),
          "--query", KNEAD, "-k", "3"));
      if (exact.equals("yes")) {
        args.add("--exact");
      }
      Result search = run("bin/spark-search", args.toArray(new String[0]));
      assertThat(search.code).as(search.err).isZero();
      List<String> lines = search.out.lines().toList();
      assertThat(lines).first().isEqualTo("query: " + KNEAD);
      assertThat(lines).hasSize(5); // and the empty line that ends the block
      // rank, score, id, text: as model2vec search prints a hit
      assertThat(lines.get(1)).isEqualTo("  1  1.0000  0  " + KNEAD);
    }
    Result again = run("bin/spark-index", "--model", model, "--master", "local[1]", "--input",
        REPO.resolve("examples/data/sample.jsonl").toString(), "--output", out.toString());
    assertThat(again.code).isNotZero();
    assertThat(again.err).contains("index output " + out + " exists; choose a new folder or overwrite");
  }

  @Test
  void indexTheSampleCorpusAsIvfThenAppendAndSearchIt() throws Exception {
    String model = Fixtures.model("test-model-vocab-quantized").toString();
    Path out = tmp.resolve("sample-ivf");
    String sample = REPO.resolve("examples/data/sample.jsonl").toString();
    Result index = run("bin/spark-index", "--model", model, "--master", "local[2]", "--input",
        sample, "--output", out.toString(), "--lists", "4");
    assertThat(index.code).as(index.err).isZero();
    assertThat(index.out).containsPattern("spark-index: 200 rows in, 200 out, 0 rejected, 4 lists "
        + "\\(nprobe 4, generation 1, 200 rows\\), [0-9.]+ s \\([0-9]+ rows/s\\) -> " + out);
    assertThat(out.resolve("list=00000")).isDirectory();
    Result search = run("bin/spark-search", "--master", "local[1]", "--index", out.toString(),
        "--query", KNEAD, "-k", "3");
    assertThat(search.code).as(search.err).isZero();
    List<String> lines = search.out.lines().toList();
    assertThat(lines).first().isEqualTo("query: " + KNEAD);
    assertThat(lines).hasSize(5); // and the empty line that ends the block
    // rank, score (rescored exactly), id, text: as model2vec search prints a hit
    assertThat(lines.get(1)).isEqualTo("  1  1.0000  0  " + KNEAD);
    // the same rows again under other ids: the next generation, twice the rows
    Path again = tmp.resolve("again.jsonl");
    List<String> rows = new ArrayList<>();
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (String line : Files.readAllLines(Path.of(sample))) {
      com.fasterxml.jackson.databind.node.ObjectNode o =
          (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(line);
      o.put("id", "again-" + o.path("id").asText());
      rows.add(json.writeValueAsString(o));
    }
    Files.write(again, rows);
    Result append = run("bin/spark-index", "--model", model, "--master", "local[2]", "--input",
        again.toString(), "--output", out.toString(), "--append");
    assertThat(append.code).as(append.err).isZero();
    assertThat(append.out).contains("200 out", "generation 2, 400 rows");
    try (io.model2vec.index.VectorIndex ix = io.model2vec.index.VectorIndex.open(out)) {
      assertThat(ix.size()).isEqualTo(400);
    }
  }

  @Test
  void aRebuildKilledHalfWayLeavesTheOldIndexReadable() throws Exception {
    String model = Fixtures.model("test-model-vocab-quantized").toString();
    Path out = tmp.resolve("kept-index");
    String sample = REPO.resolve("examples/data/sample.jsonl").toString();
    Result first = run("bin/spark-index", "--model", model, "--master", "local[1]", "--input",
        sample, "--output", out.toString());
    assertThat(first.code).as(first.err).isZero();

    // kill -9 while the rebuild writes its shards, then Ctrl-C (SIGTERM) another one
    for (boolean forcibly : new boolean[] {true, false}) {
      Process p = new ProcessBuilder(REPO.resolve("bin/spark-index").toString(), "--model", model,
          "--master", "local[2]", "--input", Fixtures.fortunes().toString(), "--output",
          out.toString(), "--overwrite")
          .directory(tmp.toFile()).redirectErrorStream(true)
          .redirectOutput(tmp.resolve("killed-" + forcibly + ".txt").toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (staging(tmp).size() < (forcibly ? 1 : 2) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(p.isAlive()).as("the rebuild is still running").isTrue();
      Thread.sleep(2000); // well into the build
      if (forcibly) {
        p.destroyForcibly();
      } else {
        p.destroy();
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      try (io.model2vec.index.VectorIndex index = io.model2vec.index.VectorIndex.open(out)) {
        assertThat(index.size()).isEqualTo(200);
        assertThat(index.search(KNEAD, 1).get(0).text()).isEqualTo(KNEAD);
      }
    }
    // only the kill -9 can leave its hidden staging folder; Ctrl-C removes its own
    assertThat(staging(tmp)).hasSize(1);
    Result again = run("bin/spark-index", "--model", model, "--master", "local[1]", "--input",
        sample, "--output", out.toString(), "--overwrite", "--shards", "2", "--hnsw");
    assertThat(again.code).as(again.err).isZero();
    try (io.model2vec.index.VectorIndex index = io.model2vec.index.VectorIndex.open(out)) {
      assertThat(index.manifest().shards()).hasSize(2);
    }
  }

  private static List<Path> staging(Path dir) throws Exception {
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith(".kept-index.m2v-staging-"))
          .toList();
    }
  }

  @Test
  void failuresAreOneLineWithTheDocumentedExitCode() throws Exception {
    String model = Fixtures.model("test-model-vocab-quantized").toString();
    Path missing = tmp.resolve("no-such-corpus.jsonl");
    Result noInput = run("bin/spark-embed", "--model", model, "--master", "local[1]", "--input",
        missing.toString(), "--output", tmp.resolve("o1").toString());
    assertThat(noInput.code).isEqualTo(1);
    assertThat(lines(noInput.err)).as(noInput.err)
        .containsExactly("spark-embed: Input path does not exist: file:" + missing);
    Result noModel = run("bin/spark-index", "--model", tmp.resolve("no-model").toString(),
        "--master", "local[1]", "--input", REPO.resolve("examples/data/sample.jsonl").toString(),
        "--output", tmp.resolve("o2").toString());
    assertThat(noModel.code).isEqualTo(1);
    assertThat(lines(noModel.err)).as(noModel.err).hasSize(1);
    assertThat(lines(noModel.err).get(0)).isEqualTo("spark-index: --model "
        + tmp.resolve("no-model") + ": no such folder, and not a HuggingFace repo id (like "
        + "minishlab/potion-base-8M) or a Hadoop path");
    Result badOption = run("bin/spark-embed", "--input", "x", "--output", "y", "--output-format",
        "csv");
    assertThat(badOption.code).isEqualTo(2);
    // picocli's usage error: the message, then the usage
    assertThat(lines(badOption.err).get(0))
        .isEqualTo("--output-format must be parquet or jsonl, was 'csv'");
    assertThat(badOption.err).contains("Usage: spark-embed").doesNotContain("\tat ");
  }

  /** What a person reads on stderr: the lines besides the JVM's own incubator-module notice. */
  private static List<String> lines(String err) {
    return err.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules"))
        .filter(l -> !l.contains(" WARN Utils: ")).toList();
  }

  @Test
  void helpDocumentsTheFlags() throws Exception {
    Result help = run("bin/spark-embed", "--help");
    assertThat(help.code).isZero();
    assertThat(help.out).contains("--model", "--input", "--output", "--master", "--text-column",
        "--input-format", "--output-format", "--spark", "MODEL2VEC_SPARK_LINE");
    Result index = run("bin/spark-index", "--help");
    assertThat(index.code).isZero();
    assertThat(index.out).contains("--input", "--output", "--shards", "--text-column", "--id-column",
        "--keep", "--quantize", "--overwrite", "--model", "--master");
    Result search = run("bin/spark-search", "--help");
    assertThat(search.out).contains("--input", "--index", "--exact", "--query", "-k");
  }

  private Result run(String script, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(REPO.resolve(script).toString());
    command.addAll(List.of(args));
    File err = tmp.resolve("err-" + System.nanoTime() + ".txt").toFile();
    Process p = new ProcessBuilder(command).directory(tmp.toFile()).redirectError(err).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(script + " finished").isTrue();
    return new Result(p.exitValue(), out, Files.readString(err.toPath()));
  }

  private record Result(int code, String out, String err) {}
}
