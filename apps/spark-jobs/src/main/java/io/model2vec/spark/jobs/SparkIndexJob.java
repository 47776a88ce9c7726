package io.model2vec.spark.jobs;

import io.model2vec.app.ModelOptions;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.Quantization;
import io.model2vec.spark.Model2VecSpark;
import io.model2vec.spark.index.Model2VecIndex;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/spark-index}: builds a vector index (Lucene HNSW shards + manifest) with Spark. */
@Command(name = "spark-index", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = io.model2vec.app.VersionProvider.class,
    description = {"Embeds a text column of a corpus with Spark and writes a vector index: one "
        + "Lucene HNSW shard per partition (or --shards N) and manifest.json, committed when the "
        + "job succeeds (a failed or retried task leaves no partial or duplicate shard; a failed "
        + "job leaves no index). Each row keeps its id, text and the --keep columns. Search the "
        + "index with bin/model2vec search, bin/spark-search --index, or nearest() in SQL. Ends "
        + "with one summary line (rows in, out and rejected, shards, seconds, rows/s). JSON and "
        + "text lines follow the rules of model2vec encode (--on-error, --max-line-bytes, "
        + "--rejects), as in spark-embed."})
public final class SparkIndexJob implements Callable<Integer> {
  @Mixin
  SparkJobOptions options;

  // --model, --max-length | --no-max-length, --normalize, --dimensions
  @Mixin
  ModelOptions model;

  // --input, --input-format, --on-error, --max-line-bytes, --rejects
  @Mixin
  JobInput input;

  @Option(names = "--output", required = true, paramLabel = "DIR",
      description = "Index folder, local or Hadoop (hdfs://, s3a://, ...); must not exist "
          + "unless --overwrite.")
  String output;

  @Option(names = "--shards", paramLabel = "N",
      description = "Repartition into N shards (default: one per input partition, at least one "
          + "per core).")
  Integer shards;

  @Option(names = "--id-column", paramLabel = "NAME",
      description = "Column with each row's id, stored as a string (default: id; if the input "
          + "has no id column, the row's position: partition and row number).")
  String idColumn;

  @Option(names = "--keep", paramLabel = "COL[,COL...]", split = ",",
      description = "Columns stored with each row and returned with its hits (as strings).")
  List<String> keep = List.of();

  @Option(names = "--quantize", paramLabel = "none|int8", defaultValue = "none",
      description = "int8: the searched vectors take a byte per dimension instead of four "
          + "(Lucene's scalar quantization; the floats stay on disk for rescoring). Default: "
          + "${DEFAULT-VALUE}.")
  String quantize;

  @Option(names = "--overwrite", description = "Replace the output folder if it is an index: "
      + "the new index is built beside it and swapped in when the job succeeds; a failed job "
      + "leaves the old index readable. A folder that is not an index is never replaced.")
  boolean overwrite;

  public static void main(String[] args) {
    JobMain.run(new SparkIndexJob(), args);
  }

  @Override
  public Integer call() {
    input.check(new CommandLine(this));
    if (shards != null && shards < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--shards must be >= 1, was " + shards);
    }
    Quantization quantization;
    try {
      quantization = Quantization.parse(quantize);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--quantize: " + e.getMessage());
    }
    SparkJobOptions.checkModel(model.model());
    SparkSession spark = options.session("model2vec spark-index")
        .config("spark.ui.showConsoleProgress", "true")
        .getOrCreate();
    try {
      long start = System.nanoTime();
      input.checkApart(spark, output);
      Model2VecSpark.register(spark, model.model(), model.toLoadOptions());
      Dataset<Row> in = input.read(spark, options.textColumn);
      String id = idColumn == null ? "id" : idColumn;
      if (idColumn == null && !Arrays.asList(in.columns()).contains("id")) {
        id = "_row_id";
        // deterministic for a given input (partition index and row number): a retried task
        // gives its rows the same ids
        in = in.withColumn(id, functions.monotonically_increasing_id());
      }
      int cores = spark.sparkContext().defaultParallelism();
      if (shards == null && in.rdd().getNumPartitions() < cores) {
        in = in.repartition(cores); // embedding and graph building are CPU-bound
      }
      Model2VecIndex.Writer w = Model2VecIndex.writer(in).textColumn(options.textColumn)
          .idColumn(id).keep(keep.toArray(new String[0])).quantization(quantization)
          .model(model.model(), model.toLoadOptions()).overwrite(overwrite);
      if (shards != null) {
        w.shards(shards);
      }
      IndexManifest m = w.save(output);
      long rejected = input.rejected();
      input.writeRejects(spark, overwrite);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(Locale.ROOT, "spark-index: %d rows in, %d out, %d rejected, %d shards, "
          + "%.1f s (%.0f rows/s) -> %s%n", m.rows() + rejected, m.rows(), rejected,
          m.shards().size(), seconds, m.rows() / seconds, output);
      return 0;
    } finally {
      input.release();
      spark.stop();
    }
  }
}
