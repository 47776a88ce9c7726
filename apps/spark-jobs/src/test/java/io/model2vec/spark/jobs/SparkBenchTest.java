package io.model2vec.spark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** bin/spark-bench runs end to end on a small corpus and prints every figure (not timed). */
class SparkBenchTest {
  @TempDir
  Path tmp;

  @Test
  void printsTheCoreEmbedAtBothParallelismsAndTheUdf() throws Exception {
    Path in = Files.write(tmp.resolve("in.jsonl"),
        Files.readAllLines(Fixtures.fortunes()).subList(0, 200));
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      code = new CommandLine(new SparkBench()).execute(
          "--model", Fixtures.model("test-model-float32").toString(),
          "--input", in.toString(), "--rows", "2000", "--passes", "1");
    } finally {
      System.setOut(stdout);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(code).as(out).isZero();
    assertThat(out).contains("core, 1 thread:", "embed, local[1]:", "embed, local[2]:",
        "core, 1 thread, again:", "Java UDF, local[1]:");
  }

  @Test
  void passesMustBePositive() {
    CommandLine cl = new CommandLine(new SparkBench());
    cl.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
    assertThat(cl.execute("--input", "x.jsonl", "--passes", "0")).isNotZero();
  }
}
