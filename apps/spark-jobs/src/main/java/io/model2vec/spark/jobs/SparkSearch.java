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
      spark.read().parquet(input).createOrReplaceTempView("corpus");
      for (String query : queries) {
        long start = System.nanoTime();
        spark.createDataset(List.of(query), Encoders.STRING()).toDF("query")
            .createOrReplaceTempView("q");
        // the query's vector and squared norm once, in the one-row side of the cross join
        List<Row> hits = spark.sql("SELECT c.`" + options.textColumn.replace("`", "``") + "` AS text, "
            + "try_divide(aggregate(zip_with(c.embedding, q.v, (a, b) -> a * b), 0D, "
            + "(s, x) -> s + x), sqrt(aggregate(c.embedding, 0D, (s, x) -> s + x * x) "
            + "* q.n2)) AS cosine "
            + "FROM corpus c CROSS JOIN (SELECT v, aggregate(v, 0D, (s, x) -> s + x * x) AS n2 "
            + "FROM (SELECT embed(query) AS v FROM q)) q "
            + "WHERE c.embedding IS NOT NULL ORDER BY cosine DESC NULLS LAST LIMIT " + k)
            .collectAsList();
        System.out.println("query: " + query);
        for (Row r : hits) {
          // a text or query without known tokens has the zero vector: no cosine
          String score = r.isNullAt(1) ? "  n/a" : String.format(Locale.ROOT, "%.3f", r.getDouble(1));
          System.out.println("  " + score + "  " + r.getString(0));
        }
        took(query, start, "full scan of " + input);
      }
      return 0;
    } finally {
      spark.stop();
    }
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
          List<VectorIndex.Hit> hits = idx.exactSearch(query, k);
          System.out.println("query: " + query);
          for (VectorIndex.Hit h : hits) {
            System.out.println("  " + String.format(Locale.ROOT, "%.3f", h.score()) + "  " + h.text());
          }
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
          System.out.println("query: " + query);
          for (Row r : hits) {
            System.out.println("  " + String.format(Locale.ROOT, "%.3f", r.getFloat(1)) + "  "
                + r.getString(2));
          }
          took(query, start, "IVF lists of " + index);
          continue;
        }
        spark.createDataset(List.of(query), Encoders.STRING()).toDF("query")
            .createOrReplaceTempView("q");
        List<Row> hits = spark.sql("SELECT h.score, h.text FROM (SELECT explode(nearest(query, '"
            + index.replace("\\", "\\\\").replace("'", "\\'") + "', " + k + ")) AS h FROM q)")
            .collectAsList();
        System.out.println("query: " + query);
        for (Row r : hits) {
          System.out.println("  " + String.format(Locale.ROOT, "%.3f", r.getFloat(0)) + "  "
              + r.getString(1));
        }
        took(query, start, "nearest() on " + index);
      }
      return 0;
    } finally {
      spark.stop();
    }
  }
}
