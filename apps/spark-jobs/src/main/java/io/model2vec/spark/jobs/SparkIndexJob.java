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

/** {@code bin/spark-index}: builds a vector index (IVF lists in Parquet + manifest) with Spark. */
@Command(name = "spark-index", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = io.model2vec.app.VersionProvider.class,
    description = {"Embeds a text column of a corpus with Spark and writes a vector index: an "
        + "inverted file of --lists lists (k-means on a sample), each row assigned to its nearest "
        + "list while it is embedded and stored as int8 in that list's Parquet files "
        + "(list=NNNNN/part-*.parquet, Spark's own writer and commit protocol), then the "
        + "centroids and manifest.json, written last (a failed or retried task leaves no partial "
        + "or duplicate file; a failed job leaves no index). --append adds rows to an existing "
        + "index as a new generation; --hnsw builds Lucene HNSW shards instead (one per partition "
        + "or --shards N). Each row keeps its id, text and the --keep columns. Search the "
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
      description = "HNSW: repartition into N shards (default: one per input partition, at least "
          + "one per core). IVF: the tasks that write the lists.")
  Integer shards;

  @Option(names = "--lists", paramLabel = "N",
      description = "IVF lists (default: about the square root of the row count).")
  Integer lists;

  @Option(names = "--nprobe", paramLabel = "N",
      description = "IVF lists a query probes by default, kept in the manifest (default: a "
          + "quarter of the lists, at least 24).")
  Integer nprobe;

  @Option(names = "--append", description = "Add the input's rows to the existing IVF index in "
      + "--output (its lists and centroids kept), committed as the next generation: readers see "
      + "the old index or the new one.")
  boolean append;

  @Option(names = "--hnsw", description = "Build Lucene HNSW shards (format 1) instead of an IVF "
      + "index (see docs/index.md for when).")
  boolean hnsw;

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

  /** Rows of the generations before the last (the rows an append added are the rest). */
  private static long previousRows(IndexManifest m) {
    long added = 0;
    String tag = String.format(Locale.ROOT, "g%05d-", m.ivf().generation());
    for (io.model2vec.index.IvfLayout.ListFile f : m.ivf().files()) {
      if (f.path().substring(f.path().indexOf('/') + 1).startsWith(tag)) {
        added += f.rows();
      }
    }
    return m.rows() - added;
  }

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
    if (append && (overwrite || hnsw)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--append adds to an IVF index: it goes with neither --overwrite nor --hnsw");
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
      if (!append) {
        input.checkApart(spark, output);
      }
      Model2VecSpark.register(spark, model.model(), model.toLoadOptions());
      Dataset<Row> in = input.read(spark, options.textColumn);
      String id = idColumn == null ? "id" : idColumn;
      if (idColumn == null && !Arrays.asList(in.columns()).contains("id")) {
        if (append) {
          throw new CommandLine.ParameterException(new CommandLine(this), "--append needs ids "
              + "(an id column, or --id-column): row positions would repeat the index's");
        }
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
          .model(model.model(), model.toLoadOptions()).overwrite(overwrite).hnsw(hnsw)
          .append(append);
      if (shards != null) {
        w.shards(shards);
      }
      if (lists != null) {
        w.lists(lists);
      }
      if (nprobe != null) {
        w.nprobe(nprobe);
      }
      IndexManifest m = w.save(output);
      long rejected = input.rejected();
      input.writeRejects(spark, overwrite);
      double seconds = (System.nanoTime() - start) / 1e9;
      long written = m.ivf() != null && append ? m.rows() - previousRows(m) : m.rows();
      System.out.printf(Locale.ROOT, "spark-index: %d rows in, %d out, %d rejected, %s, "
          + "%.1f s (%.0f rows/s) -> %s%n", written + rejected, written, rejected,
          m.ivf() == null ? m.shards().size() + " shards" : m.ivf().lists() + " lists (nprobe "
              + m.ivf().nprobe() + ", generation " + m.ivf().generation() + ", " + m.rows()
              + " rows)", seconds, written / seconds, output);
      return 0;
    } finally {
      input.release();
      spark.stop();
    }
  }
}
