package io.model2vec.spark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import java.nio.charset.StandardCharsets;
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

  @Test
  void everyLineIsARowOrARejectAsEncodeCountsThem() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("lines"));
    Path in = dir.resolve("a.jsonl");
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.writeBytes("{\"id\": 1, \"text\": \"the first row\"}\n".getBytes(StandardCharsets.UTF_8));
    b.writeBytes("{not json\n".getBytes(StandardCharsets.UTF_8));                       // 2
    b.writeBytes("{\"id\": 3, \"text\": 42}\n".getBytes(StandardCharsets.UTF_8));     // 3
    b.writeBytes(new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, '"', '}', '\n'});
    b.writeBytes(("{\"text\": \"" + "x".repeat(200) + "\"}\n").getBytes(StandardCharsets.UTF_8));
    b.writeBytes("{\"id\": 6, \"text\": \"the last row\"}\n".getBytes(StandardCharsets.UTF_8));
    b.writeBytes("\n".getBytes(StandardCharsets.UTF_8));                                  // 7: blank
    b.writeBytes("{\"id\": 8, \"text\": \"cut".getBytes(StandardCharsets.UTF_8));       // 8
    Files.write(in, b.toByteArray());
    Path out = tmp.resolve("out");
    Path rejects = tmp.resolve("rejects");
    System.setProperty("spark.master", "local[2]");
    java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
    java.io.PrintStream was = System.out;
    try {
      // fail (the default): the first bad line, named by file and line
      assertThat(failure("--input", dir.toString(), "--output", out.toString(),
          "--max-line-bytes", "100")).contains("a.jsonl line 2: not valid JSON");
      assertThat(out).doesNotExist();
      System.setOut(new java.io.PrintStream(stdout, true, StandardCharsets.UTF_8));
      assertThat(run("--input", dir.toString(), "--output", out.toString(), "--max-line-bytes",
          "100", "--on-error", "skip", "--rejects", rejects.toString())).isZero();
    } finally {
      System.setOut(was);
      System.clearProperty("spark.master");
    }
    assertThat(stdout.toString(StandardCharsets.UTF_8))
        .contains("spark-embed: 7 rows in, 2 out, 5 rejected, ");
    SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      List<Row> rows = spark.read().parquet(out.toString()).orderBy("id").collectAsList();
      assertThat(rows).extracting(r -> r.getString(r.fieldIndex("text")))
          .containsExactly("the first row", "the last row");
      List<JsonNode> bad = new java.util.ArrayList<>();
      for (Row r : spark.read().text(rejects.toString()).collectAsList()) {
        bad.add(new ObjectMapper().readTree(r.getString(0)));
      }
      bad.sort(java.util.Comparator.comparingLong(n -> n.get("line").asLong()));
      assertThat(bad).extracting(n -> n.get("line").asLong()).containsExactly(2L, 3L, 4L, 5L, 8L);
      assertThat(bad.get(0).get("reason").asText()).startsWith("not valid JSON");
      assertThat(bad.get(0).get("raw").asText()).isEqualTo("{not json");
      assertThat(bad.get(1).get("reason").asText()).isEqualTo("field 'text' is number, expected a string");
      assertThat(bad.get(2).has("raw_base64")).isTrue();
      assertThat(bad.get(3).get("reason").asText()).startsWith("longer than --max-line-bytes 100");
      assertThat(bad.get(4).get("reason").asText()).startsWith("cut short");
      assertThat(bad.get(0).get("file").asText()).endsWith("a.jsonl");
    } finally {
      spark.stop();
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
