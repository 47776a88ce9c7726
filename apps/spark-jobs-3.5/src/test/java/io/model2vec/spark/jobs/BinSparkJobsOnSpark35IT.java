package io.model2vec.spark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/spark-embed --spark 3.5} then {@code bin/spark-search} with
 * {@code MODEL2VEC_SPARK_LINE=3.5}: the jobs on Spark 3.5's jars (they refuse to run when the
 * Spark on their classpath is not of the line asked for, so success means Spark 3.5 ran them).
 */
class BinSparkJobsOnSpark35IT {
  private static final Path REPO = Fixtures.repo()
      .toAbsolutePath().normalize();

  private static final String KNEAD = "Knead the dough for ten minutes until it is smooth and elastic.";

  @TempDir
  Path tmp;

  @Test
  void embedTheSampleCorpusThenSearchItOnSpark35() throws Exception {
    String model = Fixtures.model("test-model-vocab-quantized").toString();
    Path out = tmp.resolve("sample-embeddings");
    Result embed = run(Map.of(), "bin/spark-embed", "--spark", "3.5", "--model", model,
        "--master", "local[2]", "--input", REPO.resolve("examples/data/sample.jsonl").toString(),
        "--output", out.toString());
    assertThat(embed.code).as(embed.err).isZero();
    assertThat(embed.out).containsPattern("spark-embed: 200 rows in, 200 out, 0 rejected, [0-9.]+ s \\([0-9]+ rows/s\\)");
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".parquet"));
    }

    Result search = run(Map.of("MODEL2VEC_SPARK_LINE", "3.5"), "bin/spark-search", "--model",
        model, "--master", "local[1]", "--input", out.toString(), "--query", KNEAD, "-k", "3");
    assertThat(search.code).as(search.err).isZero();
    List<String> lines = search.out.lines().toList();
    assertThat(lines).hasSize(5); // and the empty line that ends the block
    // rank, score, id, text: as model2vec search prints a hit
    assertThat(lines.get(1)).isEqualTo("  1  1.0000  0  " + KNEAD);
  }

  @Test
  void anUnknownLineIsOneClearError() throws Exception {
    Result r = run(Map.of(), "bin/spark-embed", "--spark", "3.4", "--input", "x", "--output", "y");
    assertThat(r.code).isEqualTo(2);
    assertThat(r.err.strip()).isEqualTo("model2vec: --spark must be 4 or 3.5, was '3.4'");
  }

  private Result run(Map<String, String> env, String script, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(REPO.resolve(script).toString());
    command.addAll(List.of(args));
    File err = tmp.resolve("err-" + System.nanoTime() + ".txt").toFile();
    ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile()).redirectError(err);
    pb.environment().remove("MODEL2VEC_SPARK_LINE");
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(script + " finished").isTrue();
    return new Result(p.exitValue(), out, Files.readString(err.toPath()));
  }

  private record Result(int code, String out, String err) {}
}
