package io.model2vec.spark.index;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.Quantization;
import io.model2vec.spark.Model2VecSpark;
import io.model2vec.spark.ReplaceableOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StringType;

/**
 * Builds a vector index from a DataFrame: each partition embeds its rows with the shared model
 * (the {@code embed} function, shipped and loaded once per executor JVM as always) and writes one
 * Lucene HNSW shard; the job commits the shards and writes {@code manifest.json}.
 *
 * <pre>{@code
 * IndexManifest m = Model2VecIndex.writer(df)
 *     .textColumn("text").idColumn("id").keep("lang", "url")
 *     .quantization(Quantization.INT8)
 *     .save("hdfs:///indexes/docs");
 * }</pre>
 *
 * Search it with {@code io.model2vec.index.VectorIndex}, {@code bin/model2vec search} or the SQL
 * function {@code nearest}. Local paths and Hadoop file systems alike: shards are written on the
 * executors' local disks and copied with Hadoop's {@code FileSystem}.
 */
public final class Model2VecIndex {
  private Model2VecIndex() {}

  /** A writer of {@code df} (one shard per partition unless {@link Writer#shards} is set). */
  public static Writer writer(Dataset<Row> df) {
    return new Writer(df);
  }

  /** Options of one index build; {@link #save} runs it. */
  public static final class Writer {
    private final Dataset<Row> df;
    private String textColumn = "text";
    private String idColumn = "id";
    private List<String> keep = List.of();
    private String model;
    private LoadOptions options = LoadOptions.defaults();
    private Quantization quantization = Quantization.NONE;
    private int shards;
    private boolean overwrite;
    private boolean storeText = true;
    private boolean hnsw;
    private int lists;
    private int nprobe;
    private boolean append;

    private Writer(Dataset<Row> df) {
      this.df = Objects.requireNonNull(df, "df");
    }

    public Writer textColumn(String name) {
      this.textColumn = Objects.requireNonNull(name, "textColumn");
      return this;
    }

    /** The id column (any type; stored as its string form). Default: {@code id}. */
    public Writer idColumn(String name) {
      this.idColumn = Objects.requireNonNull(name, "idColumn");
      return this;
    }

    /** Columns stored with each row (as strings) and returned with its hits. */
    public Writer keep(String... columns) {
      this.keep = List.of(columns);
      return this;
    }

    /** The model (folder, Hadoop path, hub id; null: the built-in model) and its options. */
    public Writer model(String reference, LoadOptions loadOptions) {
      this.model = reference;
      this.options = Objects.requireNonNull(loadOptions, "options");
      return this;
    }

    public Writer quantization(Quantization q) {
      this.quantization = Objects.requireNonNull(q, "quantization");
      return this;
    }

    /** Repartitions into {@code n} shards first (default: one shard per input partition). */
    public Writer shards(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("shards must be >= 1, was " + n);
      }
      this.shards = n;
      return this;
    }

    /**
     * Replaces an existing index (or an empty folder): the new index is built beside it and
     * swapped in when complete, so a failed build leaves the old one readable. A folder that is
     * not an index is never replaced.
     */
    public Writer overwrite(boolean value) {
      this.overwrite = value;
      return this;
    }

    /**
     * Builds Lucene HNSW shards (format 1, one per partition or {@link #shards}) instead of the
     * default IVF index (format 2). See docs/index.md for when.
     */
    public Writer hnsw(boolean value) {
      this.hnsw = value;
      return this;
    }

    /** IVF lists (default: about the square root of the row count). */
    public Writer lists(int n) {
      if (n < 1 || n > 1 << 20) {
        throw new IllegalArgumentException("lists must be in [1, 1048576], was " + n);
      }
      this.lists = n;
      return this;
    }

    /** Lists a query probes by default, recorded in the manifest (default: 25% of the lists, >= 24). */
    public Writer nprobe(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("nprobe must be >= 1, was " + n);
      }
      this.nprobe = n;
      return this;
    }

    /**
     * Adds the rows to the existing IVF index in the output instead of building one: assigned to
     * its lists (its centroids are kept), committed as a new manifest generation. Readers see the
     * old index or the new one. One append at a time per index.
     */
    public Writer append(boolean value) {
      this.append = value;
      return this;
    }

    /** Whether the text is stored with each row (default true). */
    public Writer storeText(boolean value) {
      this.storeText = value;
      return this;
    }

    /** Builds the index in {@code output} and returns its manifest. */
    public IndexManifest save(String output) {
      SparkSession spark = df.sparkSession();
      List<String> columns = Arrays.asList(df.columns());
      check(columns.contains(textColumn), "has no text column '" + textColumn + "'");
      check(df.schema().apply(textColumn).dataType() instanceof StringType,
          "text column '" + textColumn + "' is " + df.schema().apply(textColumn).dataType()
              .simpleString() + ", not a string");
      check(columns.contains(idColumn), "has no id column '" + idColumn + "'");
      for (String k : keep) {
        check(columns.contains(k), "has no column '" + k + "' to keep");
        check(!List.of("id", "text", "score").contains(k),
            "cannot keep a column named '" + k + "': id, text and score are the hit's own fields");
      }
      check(new LinkedHashSet<>(keep).size() == keep.size(), "keeps a column twice: " + keep);
      if (!hnsw) {
        for (String k : keep) {
          check(!io.model2vec.index.IvfWriter.RESERVED.contains(k), "cannot keep a column named '"
              + k + "': " + io.model2vec.index.IvfWriter.RESERVED + " are the index's own columns");
        }
        return saveIvf(spark, output);
      }
      check(!append, "cannot be appended to an HNSW index (rebuild it, or build an IVF index)");

      // Written beside the output and swapped in when complete: an existing index stays readable
      // until then, and a failed build leaves it as it was.
      try (ReplaceableOutput target = ReplaceableOutput.open(
          spark.sparkContext().hadoopConfiguration(), output, overwrite,
          ReplaceableOutput.Kind.INDEX, Arrays.asList(df.inputFiles()))) {
        Path out = target.staging();
        ModelReference reference = ModelReference.of(model, options);
        String name = "index" + Integer.toHexString(reference.hashCode() & 0x7fffffff);
        Model2VecSpark.registerModel(spark, name, model, options);
        // the model's vector of the check text, as the executors compute it: the manifest keeps
        // it, and opening the index refuses a model that no longer gives it
        List<Object> check = spark.range(1)
            .select(Model2VecSpark.embed(functions.lit(IndexManifest.MODEL_CHECK_TEXT), name))
            .first().getList(0);
        int dims = check.size();
        float[] checkVector = new float[dims];
        for (int i = 0; i < dims; i++) {
          checkVector[i] = ((Number) check.get(i)).floatValue();
        }

        List<Column> cols = new ArrayList<>();
        cols.add(functions.col(idColumn).cast("string").as("id"));
        cols.add(functions.col(textColumn).as("text"));
        cols.add(Model2VecSpark.embed(functions.col(textColumn), name).as("vector"));
        for (String k : keep) {
          cols.add(functions.col(k).cast("string").as("f_" + cols.size()));
        }
        Dataset<Row> rows = df.select(cols.toArray(new Column[0]));
        if (shards > 0) {
          rows = rows.repartition(shards);
        }
        rows.write().format(IndexSource.class.getName()).mode(SaveMode.Append)
            .option(IndexSource.PATH, out.toString())
            .option(IndexSource.ID_COLUMN, idColumn)
            .option(IndexSource.STORE_TEXT, Boolean.toString(storeText))
            .option(IndexSource.KEPT, IndexSource.json(keep))
            .option(IndexSource.DIMENSIONS, Integer.toString(dims))
            .option(IndexSource.QUANTIZATION, quantization.id())
            .option(IndexSource.MODEL, IndexSource.json(reference.toMap()))
            .save();
        IndexManifest manifest = readManifest(spark, out).withModelCheck(checkVector);
        writeManifest(spark, out, manifest);
        target.commit();
        return manifest;
      }
    }

    private IndexManifest saveIvf(SparkSession spark, String output) {
      ModelReference reference = ModelReference.of(model, options);
      String name = "index" + Integer.toHexString(reference.hashCode() & 0x7fffffff);
      Model2VecSpark.registerModel(spark, name, model, options);
      List<Column> cols = new ArrayList<>();
      cols.add(functions.col(idColumn).cast("string").as("id"));
      cols.add(functions.col(textColumn).as("text"));
      cols.add(Model2VecSpark.embed(functions.col(textColumn), name).as("vector"));
      for (String k : keep) {
        cols.add(functions.col(k).cast("string").as(k));
      }
      Dataset<Row> rows = df.select(cols.toArray(new Column[0]));
      int partitions = shards > 0 ? shards : Math.max(df.rdd().getNumPartitions(),
          spark.sparkContext().defaultParallelism());
      org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
      if (append) {
        Path folder = new Path(output);
        IndexManifest m = readManifest(spark, folder);
        if (m.ivf() == null) {
          throw new IllegalArgumentException("index " + output + " is a Lucene HNSW index "
              + "(format 1): appending needs an IVF index; rebuild it with spark-index --overwrite");
        }
        if (!m.model().equals(reference) || !m.storedFields().equals(keep)) {
          throw new IllegalArgumentException("index " + output + " was built with model "
              + m.model() + " and kept columns " + m.storedFields() + "; the append gives "
              + reference + " and " + keep);
        }
        return IvfSparkWriter.append(spark, rows, m, folder, idColumn, keep, storeText,
            partitions);
      }
      try (ReplaceableOutput target = ReplaceableOutput.open(conf, output, overwrite,
          ReplaceableOutput.Kind.INDEX, Arrays.asList(df.inputFiles()))) {
        Path out = target.staging();
        List<Object> check = spark.range(1)
            .select(Model2VecSpark.embed(functions.lit(IndexManifest.MODEL_CHECK_TEXT), name))
            .first().getList(0);
        int dims = check.size();
        float[] checkVector = IvfSparkWriter.vector(check);
        double norm = 0;
        for (float x : checkVector) {
          norm += x * x;
        }
        long n = df.count();
        float[] centroids = IvfSparkWriter.train(df, textColumn, name, n, lists);
        int l = centroids.length / dims;
        long crc = IvfSparkWriter.writeCentroids(out, centroids, conf);
        List<io.model2vec.index.IvfLayout.ListFile> files = IvfSparkWriter.write(rows, centroids,
            dims, keep, storeText, idColumn, out, partitions, conf);
        try {
          out.getFileSystem(conf).delete(new Path(out, "_SUCCESS"), false);
        } catch (IOException e) {
          throw new UncheckedIOException(out + ": " + e.getMessage(), e);
        }
        IndexManifest manifest = new IndexManifest(reference, dims, Math.abs(norm - 1) < 1e-3,
            Quantization.INT8, keep, java.util.Map.of()).withModelCheck(checkVector)
            .withIvf(new io.model2vec.index.IvfLayout(l,
                nprobe > 0 ? nprobe : io.model2vec.index.IvfLayout.defaultNprobe(l), crc, 1, n,
                files));
        try {
          writeManifestAtomically(spark, out, manifest);
        } catch (IOException e) {
          throw new UncheckedIOException(out + ": cannot write the manifest: " + e.getMessage(), e);
        }
        target.commit();
        return manifest;
      }
    }

    private void check(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException("index input " + message + " (columns: "
            + String.join(", ", df.columns()) + ")");
      }
    }
  }

  /**
   * Writes the manifest of the index in {@code folder} (a temporary file renamed over it): a
   * reader sees the old manifest or the new one.
   */
  static void writeManifestAtomically(SparkSession spark, Path folder, IndexManifest manifest)
      throws IOException {
    Path file = new Path(folder, IndexManifest.FILE);
    Path tmp = new Path(folder, "." + IndexManifest.FILE + "." + java.util.UUID.randomUUID());
    FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
    try (var o = fs.create(tmp, false)) {
      o.write(manifest.toJson());
    }
    // a rename over the old file (POSIX rename locally, atomic on HDFS; object stores are as
    // atomic as their renames)
    org.apache.hadoop.fs.FileContext fc;
    try {
      fc = org.apache.hadoop.fs.FileContext.getFileContext(fs.getUri(),
          spark.sparkContext().hadoopConfiguration());
    } catch (org.apache.hadoop.fs.UnsupportedFileSystemException e) {
      fc = null; // a FileSystem without an AbstractFileSystem: delete, then rename
    }
    if (fc != null) {
      fc.rename(fs.makeQualified(tmp), fs.makeQualified(file),
          org.apache.hadoop.fs.Options.Rename.OVERWRITE);
      return;
    }
    fs.delete(file, false);
    if (!fs.rename(tmp, file)) {
      throw new IOException("could not move " + tmp + " to " + file);
    }
  }

  /** Replaces the manifest of an index that no reader sees yet (the staging folder). */
  private static void writeManifest(SparkSession spark, Path folder, IndexManifest manifest) {
    Path file = new Path(folder, IndexManifest.FILE);
    Path tmp = new Path(folder, "." + IndexManifest.FILE + ".tmp");
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (var o = fs.create(tmp, true)) {
        o.write(manifest.toJson());
      }
      if (!fs.delete(file, false) || !fs.rename(tmp, file)) {
        throw new IOException("could not move " + tmp + " to " + file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** The manifest of the index in {@code folder} (a local path or Hadoop URI). */
  public static IndexManifest readManifest(SparkSession spark, Path folder) {
    Path file = new Path(folder, IndexManifest.FILE);
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (var in = fs.open(file)) {
        return IndexManifest.fromJson(in.readAllBytes(), file.toString());
      }
    } catch (java.io.FileNotFoundException e) {
      throw new io.model2vec.index.IndexException(file + ": missing: not an index folder, or its "
          + "build did not finish");
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }


}
