package io.model2vec.spark.jobs;

import io.model2vec.app.ModelOptions;
import io.model2vec.index.VectorIndex;
import io.model2vec.spark.Model2VecSpark;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spark-search}: the nearest neighbours of a query in embeddings that
 * {@code bin/spark-embed} wrote, in Spark SQL alone: the query goes through the same
 * {@code embed} function and the score is the cosine similarity.
 */
@Command(name = "spark-search", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = io.model2vec.app.VersionProvider.class,
    description = {"Prints the texts nearest to a query: in a Parquet folder written by "
        + "spark-embed (--input: a full scan, every row compared), or in an index written by "
        + "spark-index (--index: an IVF index's probed lists read by Spark, an HNSW index "
        + "searched through the nearest() SQL function, with the index's model; --exact "
        + "compares with every row of the index instead)."})
public final class SparkSearch implements Callable<Integer> {
  @Mixin
  SparkJobOptions options;

  // --model, --max-length | --no-max-length, --normalize, --dimensions
  @Mixin
  ModelOptions model;

  @Option(names = "--input", paramLabel = "DIR",
      description = "Parquet folder written by spark-embed (columns: the text column, embedding).")
  String input;

  @Option(names = "--index", paramLabel = "DIR",
      description = "Index folder written by spark-index (instead of --input).")
  String index;

  @Option(names = "--nprobe", paramLabel = "N", defaultValue = "0",
      description = "IVF index: lists probed (default: the index's; more, better recall, more "
          + "files read).")
  int nprobe;

  @Option(names = "--exact", description = "Compare the query with every row: the full scan "
      + "(always so with --input; with --index, an exact search of the index).")
  boolean exact;

  @Option(names = "--query", required = true, paramLabel = "TEXT", description = "What to look for.")
  List<String> queries;

  @Option(names = "-k", paramLabel = "N", defaultValue = "5",
      description = "Neighbours per query (default: ${DEFAULT-VALUE}).")
  int k;

  public static void main(String[] args) {
    JobMain.run(new SparkSearch(), args);
  }

  @Override
  public Integer call() {
    if (k < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "-k must be >= 1, was " + k);
    }
    if ((input == null) == (index == null)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "give either --input (Parquet from spark-embed) or --index (from spark-index)");
    }
    if (index != null) {
      return searchIndex();
    }
    SparkJobOptions.checkModel(model.model());
    SparkSession spark = options.session("model2vec spark-search")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate();
    try {
      Model2VecSpark.register(spark, model.model(), model.toLoadOptions());
      org.apache.spark.sql.Dataset<Row> corpus = spark.read().parquet(input);
      corpus.createOrReplaceTempView("corpus");
      // the rows' ids, as model2vec search prints them, when the corpus has an id column
      String id = java.util.Arrays.asList(corpus.columns()).contains("id")
          ? "CAST(c.id AS STRING)" : "CAST(NULL AS STRING)";
      for (String query : queries) {
        long start = System.nanoTime();
        spark.createDataset(List.of(query), Encoders.STRING()).toDF("query")
            .createOrReplaceTempView("q");
        // the query's vector and squared norm once, in the one-row side of the cross join
        List<Row> hits = spark.sql("SELECT " + id + " AS id, c.`"
            + options.textColumn.replace("`", "``") + "` AS text, "
            + "try_divide(aggregate(zip_with(c.embedding, q.v, (a, b) -> a * b), 0D, "
            + "(s, x) -> s + x), sqrt(aggregate(c.embedding, 0D, (s, x) -> s + x * x) "
            + "* q.n2)) AS cosine "
            + "FROM corpus c CROSS JOIN (SELECT v, aggregate(v, 0D, (s, x) -> s + x * x) AS n2 "
            + "FROM (SELECT embed(query) AS v FROM q)) q "
            + "WHERE c.embedding IS NOT NULL ORDER BY cosine DESC NULLS LAST LIMIT " + k)
            .collectAsList();
        List<Object[]> rows = new java.util.ArrayList<>();
        for (Row r : hits) {
          // a text or query without known tokens has the zero vector: no cosine
          rows.add(new Object[] {r.getString(0), r.isNullAt(2) ? null : r.getDouble(2),
              r.getString(1)});
        }
        print(query, rows);
        took(query, start, "full scan of " + input);
      }
      return 0;
    } finally {
      spark.stop();
    }
  }

  /**
   * A query's block as {@code model2vec search} prints it: "query: ...", then per hit its rank,
   * score, id ({@code -} without one) and its text's first line, then an empty line.
   */
  private static void print(String query, List<Object[]> hits) {
    StringBuilder b = new StringBuilder("query: ").append(firstLine(query)).append('\n');
    int rank = 1;
    for (Object[] h : hits) {
      String score = h[1] == null ? "   n/a"
          : String.format(Locale.ROOT, "%.4f", ((Number) h[1]).doubleValue());
      b.append(String.format(Locale.ROOT, "%3d  %s  %s  %s%n", rank++, score,
          h[0] == null ? "-" : h[0], firstLine((String) h[2])));
    }
    System.out.println(b);
    System.out.flush();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    t = nl < 0 ? t : t.substring(0, nl) + " ...";
    return t.length() > 120 ? t.substring(0, 117) + "..." : t;
  }

  /** The time of a query, on stderr: stdout holds the results alone. */
  private static void took(String query, long startNanos, String how) {
    System.err.printf(Locale.ROOT, "spark-search: \"%s\" in %.0f ms (%s)%n", query,
        (System.nanoTime() - startNanos) / 1e6, how);
  }

  private int searchIndex() {
    if (exact) {
      // every row compared: on this machine, with the index's own model
      try (VectorIndex idx = VectorIndex.open(java.nio.file.Path.of(index))) {
        for (String query : queries) {
          long start = System.nanoTime();
          List<Object[]> rows = new java.util.ArrayList<>();
          for (VectorIndex.Hit h : idx.exactSearch(query, k)) {
            rows.add(new Object[] {h.id(), h.score(), h.text()});
          }
          print(query, rows);
          took(query, start, "exact search of " + index);
        }
      }
      return 0;
    }
    SparkJobOptions.checkModel(model.model());
    SparkSession spark = options.session("model2vec spark-search")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate();
    try {
      // registers nearest() too (which embeds with the index's own model)
      Model2VecSpark.register(spark, model.model(), model.toLoadOptions());
      boolean ivf = io.model2vec.spark.index.Model2VecIndex.readManifest(spark,
          new org.apache.hadoop.fs.Path(index)).ivf() != null;
      for (String query : queries) {
        long start = System.nanoTime();
        if (ivf) {
          // Spark reads the probed lists' files only; the driver rescores the best
          List<Row> hits = io.model2vec.spark.index.IvfSparkSearch.search(spark, index, query, k,
              nprobe);
          List<Object[]> rows = new java.util.ArrayList<>();
          for (Row r : hits) {
            rows.add(new Object[] {r.getString(0), r.getFloat(1), r.getString(2)});
          }
          print(query, rows);
          took(query, start, "IVF lists of " + index);
          continue;
        }
        spark.createDataset(List.of(query), Encoders.STRING()).toDF("query")
            .createOrReplaceTempView("q");
        List<Row> hits = spark.sql("SELECT h.id, h.score, h.text FROM (SELECT explode(nearest(query, '"
            + index.replace("\\", "\\\\").replace("'", "\\'") + "', " + k + ")) AS h FROM q)")
            .collectAsList();
        List<Object[]> rows = new java.util.ArrayList<>();
        for (Row r : hits) {
          rows.add(new Object[] {r.getString(0), r.getFloat(1), r.getString(2)});
        }
        print(query, rows);
        took(query, start, "nearest() on " + index);
      }
      return 0;
    } finally {
      spark.stop();
    }
  }
}
