package io.model2vec.spark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** bin/spark-embed's job, end to end on a slice of the fortunes corpus. */
class SparkEmbedJobTest {
  private static final String MODEL = Fixtures.model("test-model-vocab-quantized").toString();

  @TempDir
  Path tmp;

  @Test
  void jsonlInParquetOutKeepsColumnsAndEveryRow() throws Exception {
    List<String> lines = Files.readAllLines(Fixtures.fortunes()).subList(0, 3000);
    Path in = Files.write(tmp.resolve("in.jsonl"), lines);
    Path out = tmp.resolve("out");
    System.setProperty("spark.master", "local[2]");
    try {
      int code = new CommandLine(new SparkEmbedJob()).execute("--model", MODEL, "--input",
          in.toString(), "--output", out.toString());
      assertThat(code).isZero();
      code = new CommandLine(new SparkEmbedJob()).execute("--model", MODEL, "--input",
          in.toString(), "--output", tmp.resolve("json").toString(), "--output-format", "jsonl");
      assertThat(code).isZero();
      // the output exists: a second run refuses to overwrite it
      assertThat(new CommandLine(new SparkEmbedJob()).execute("--model", MODEL, "--input",
          in.toString(), "--output", out.toString())).isNotZero();
    } finally {
      System.clearProperty("spark.master");
    }
    SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
        .getOrCreate();
    try (StaticModel core = StaticModel.load(MODEL)) {
      Dataset<Row> result = spark.read().parquet(out.toString());
      assertThat(result.columns()).contains("id", "lang", "text", "embedding");
      assertThat(result.count()).isEqualTo(3000);
      assertThat(result.select("id").distinct().count()).isEqualTo(3000);
      for (Row r : result.orderBy("id").limit(50).collectAsList()) {
        List<Object> v = r.getList(r.fieldIndex("embedding"));
        float[] expected = core.encode(r.getString(r.fieldIndex("text")));
        for (int i = 0; i < expected.length; i++) {
          assertThat(((Number) v.get(i)).floatValue()).isEqualTo(expected[i]);
        }
      }
      assertThat(spark.read().json(tmp.resolve("json").toString()).count()).isEqualTo(3000);
    } finally {
      spark.stop();
    }
  }

  @Test
  void overwriteReplacesOnlyItsOwnOutputAndNeverTheInput() throws Exception {
    Path corpus = Files.createDirectories(tmp.resolve("corpus"));
    List<String> lines = Files.readAllLines(Fixtures.fortunes()).subList(0, 200);
    Files.write(corpus.resolve("a.jsonl"), lines);
    Path site = Files.createDirectories(tmp.resolve("site"));
    Files.writeString(site.resolve("index.html"), "<html></html>");
    Path out = tmp.resolve("out");
    System.setProperty("spark.master", "local[1]");
    try {
      // the input itself, a folder inside it, a folder around it: refused, the input intact
      assertThat(failure("--input", corpus.toString(), "--output", corpus.toString(),
          "--overwrite")).contains("output " + corpus + " is the input " + corpus);
      assertThat(failure("--input", corpus.toString(), "--output",
          corpus.resolve("embedded").toString(), "--overwrite")).contains("lies inside the input");
      assertThat(failure("--input", corpus.resolve("a.jsonl").toString(), "--output",
          tmp.toString(), "--overwrite")).contains("contains the input");
      assertThat(Files.readAllLines(corpus.resolve("a.jsonl"))).isEqualTo(lines);
      try (java.util.stream.Stream<Path> in = Files.list(corpus)) {
        assertThat(in).containsExactly(corpus.resolve("a.jsonl"));
      }
      // a folder Spark did not write is never replaced
      assertThat(failure("--input", corpus.toString(), "--output", site.toString(),
          "--overwrite")).contains("holds a file 'index.html' that Spark's writer does not make");
      assertThat(site.resolve("index.html")).hasContent("<html></html>");
      // its own output is replaced, as a whole
      assertThat(run("--input", corpus.toString(), "--output", out.toString())).isZero();
      Files.write(corpus.resolve("a.jsonl"), lines.subList(0, 30));
      assertThat(run("--input", corpus.toString(), "--output", out.toString(), "--overwrite"))
          .isZero();
    } finally {
      System.clearProperty("spark.master");
    }
    SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      assertThat(spark.read().parquet(out.toString()).count()).isEqualTo(30);
    } finally {
      spark.stop();
    }
    try (java.util.stream.Stream<Path> left = Files.list(tmp)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".m2v-"));
    }
  }

  private int run(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--model";
    all[1] = MODEL;
    System.arraycopy(args, 0, all, 2, args.length);
    return new CommandLine(new SparkEmbedJob()).execute(all);
  }

  /** Runs the job, expects it to fail, and returns what it printed on stderr. */
  private String failure(String... args) {
    java.io.StringWriter err = new java.io.StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--model";
    all[1] = MODEL;
    System.arraycopy(args, 0, all, 2, args.length);
    CommandLine cl = new CommandLine(new SparkEmbedJob());
    cl.setErr(new java.io.PrintWriter(err));
    assertThat(cl.execute(all)).isNotZero();
    return err.toString();
  }

  @Test
  void aMissingTextColumnIsAClearError() throws Exception {
    Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\": 1, \"body\": \"x\"}\n");
    System.setProperty("spark.master", "local[1]");
    try {
      java.io.StringWriter err = new java.io.StringWriter();
      CommandLine cl = new CommandLine(new SparkEmbedJob());
      cl.setErr(new java.io.PrintWriter(err));
      int code = cl.execute("--model", MODEL, "--input", in.toString(), "--output",
          tmp.resolve("out").toString());
      assertThat(code).isNotZero();
      assertThat(err.toString()).contains("no column 'text'").contains("--text-column");
    } finally {
      System.clearProperty("spark.master");
    }
  }
}
