package io.model2vec.spark.index;

import io.model2vec.index.IndexException;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.IvfKernels;
import io.model2vec.index.IvfLayout;
import io.model2vec.index.IvfWriter;
import io.model2vec.index.KMeans;
import io.model2vec.index.Parquet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Writes the rows of an IVF index (format 2) with Spark's own Parquet writer and commit protocol:
 * each row's vector (from {@code embed}) is assigned to its nearest centroid and coded as int8 in
 * the tasks that embed it; rows are shuffled by list so that each list is written by one task,
 * and written with {@code partitionBy("list")}: {@code list=00042/part-...parquet}. PLAIN,
 * uncompressed pages (no dictionary), which the engine-free reader of the index module reads.
 */
final class IvfSparkWriter {
  /** Sample rows per list for k-means (FAISS warns below 39). */
  static final int SAMPLE_PER_LIST = 40;

  private IvfSparkWriter() {}

  /**
   * Trains {@code lists} centroids (0: the default for {@code n} rows) on a sample of the texts of
   * {@code df}, embedded with the registered model {@code modelName}: only the sample is embedded.
   */
  static float[] train(Dataset<Row> df, String textColumn, String modelName, long n, int lists) {
    int l = lists > 0 ? lists : IvfLayout.defaultLists(n);
    long sampleSize = Math.min(n, (long) SAMPLE_PER_LIST * l);
    double fraction = Math.min(1.0, 1.2 * sampleSize / Math.max(1, n));
    Dataset<Row> sampled = fraction >= 1.0 ? df : df.sample(false, fraction, 42);
    List<Row> sample = sampled.where(functions.col(textColumn).isNotNull())
        .limit((int) sampleSize)
        .select(io.model2vec.spark.Model2VecSpark.embed(functions.col(textColumn), modelName))
        .collectAsList();
    List<float[]> vectors = new ArrayList<>(sample.size());
    for (Row r : sample) {
      float[] u = IvfWriter.normalizedCopy(vector(r.getList(0)));
      if (nonZero(u)) {
        vectors.add(u);
      }
    }
    if (vectors.isEmpty()) {
      throw new IllegalArgumentException("index input has no text with a non-zero vector to "
          + "learn the lists from (" + n + " rows)");
    }
    l = Math.min(l, vectors.size());
    return KMeans.train(vectors.toArray(new float[0][]), l, KMeans.ITERATIONS, 42);
  }

  private static boolean nonZero(float[] u) {
    for (float x : u) {
      if (x != 0) {
        return true;
      }
    }
    return false;
  }

  static float[] vector(List<?> list) {
    float[] v = new float[list.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = ((Number) list.get(i)).floatValue();
    }
    return v;
  }

  /**
   * Writes {@code rows} ({@code id, text, vector, kept...}) under {@code folder} with Spark's
   * Parquet writer (the folder may exist: files are added) and returns the files written.
   */
  static List<IvfLayout.ListFile> write(Dataset<Row> rows, float[] centroids, int dims,
      List<String> kept, boolean storeText, String idColumn, Path folder, int partitions,
      Configuration conf) {
    StructType schema = new StructType().add("list", DataTypes.StringType, false)
        .add(IvfWriter.ID, DataTypes.StringType, false);
    if (storeText) {
      schema = schema.add(IvfWriter.TEXT, DataTypes.StringType, true);
    }
    schema = schema.add(IvfWriter.CODE, DataTypes.BinaryType, false)
        .add(IvfWriter.SCALE, DataTypes.FloatType, false);
    for (String k : kept) {
      schema = schema.add(k, DataTypes.StringType, true);
    }
    Dataset<Row> coded = rows.mapPartitions(new Encode(centroids, dims, kept.size(), storeText,
        idColumn), Encoders.row(schema));
    coded.repartition(Math.max(1, partitions), functions.col("list"))
        .write().mode(SaveMode.Append).partitionBy("list")
        .option("compression", "none")
        .option("parquet.enable.dictionary", "false")
        .option("parquet.page.write-checksum.enabled", "false")
        .parquet(folder.toString());
    return listFiles(folder, conf);
  }

  /** The list files under {@code folder} and their rows (from their footers). */
  static List<IvfLayout.ListFile> listFiles(Path folder, Configuration conf) {
    List<IvfLayout.ListFile> out = new ArrayList<>();
    try {
      FileSystem fs = folder.getFileSystem(conf);
      for (FileStatus dir : fs.listStatus(folder)) {
        String name = dir.getPath().getName();
        if (!dir.isDirectory() || !name.matches("list=\\d{5,7}")) {
          continue;
        }
        int list = Integer.parseInt(name.substring(5));
        for (FileStatus f : fs.listStatus(dir.getPath())) {
          String file = f.getPath().getName();
          if (!f.isFile() || !file.endsWith(".parquet") || file.startsWith(".")
              || file.startsWith("_")) {
            continue;
          }
          out.add(new IvfLayout.ListFile(list, name + "/" + file, rows(fs, f)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(folder + ": " + e.getMessage(), e);
    }
    out.sort((a, b) -> a.list() != b.list() ? Integer.compare(a.list(), b.list())
        : a.path().compareTo(b.path()));
    return out;
  }

  private static long rows(FileSystem fs, FileStatus f) throws IOException {
    try (FSDataInputStream in = fs.open(f.getPath())) {
      long length = f.getLen();
      return Parquet.Reader.open(f.getPath().toString(), new Parquet.Source() {
        @Override
        public long length() {
          return length;
        }

        @Override
        public void readFully(long position, byte[] buffer, int offset, int len)
            throws IOException {
          in.readFully(position, buffer, offset, len);
        }
      }).rows();
    }
  }

  /** The centroids file, written through Hadoop; returns its CRC-32. */
  static long writeCentroids(Path folder, float[] centroids, Configuration conf) {
    byte[] bytes = IvfWriter.centroidBytes(centroids);
    Path file = new Path(folder, IvfLayout.CENTROIDS);
    try {
      FileSystem fs = file.getFileSystem(conf);
      try (var o = fs.create(file, true)) {
        o.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
    }
    return IvfWriter.crc(bytes);
  }

  /** The centroids of the index in {@code folder}, checked against its manifest. */
  static float[] readCentroids(Path folder, IndexManifest m, Configuration conf) {
    Path file = new Path(folder, IvfLayout.CENTROIDS);
    try {
      FileSystem fs = file.getFileSystem(conf);
      long want = (long) m.ivf().lists() * m.dimensions() * 4;
      if (fs.getFileStatus(file).getLen() != want) {
        throw new IndexException(file + ": not " + want + " bytes (" + m.ivf().lists()
            + " lists x " + m.dimensions() + " dimensions)");
      }
      byte[] bytes = new byte[(int) want];
      try (FSDataInputStream in = fs.open(file)) {
        in.readFully(0, bytes);
      }
      if (IvfWriter.crc(bytes) != m.ivf().centroidsCrc()) {
        throw new IndexException(file + ": corrupt (its CRC-32 differs from the manifest's)");
      }
      float[] c = new float[m.ivf().lists() * m.dimensions()];
      java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
          .get(c);
      return c;
    } catch (java.io.FileNotFoundException e) {
      throw new IndexException(file + ": missing (listed in the manifest)");
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Appends {@code rows} to the IVF index in {@code folder}: written by Spark into a folder of
   * their own, moved into the lists' folders under names no manifest lists yet, then the next
   * manifest generation is written (a temporary file renamed). Readers see the old manifest (and
   * its files) or the new one; a failure before the rename deletes what was moved.
   */
  static IndexManifest append(SparkSession spark, Dataset<Row> rows, IndexManifest m,
      Path folder, String idColumn, List<String> kept, boolean storeText, int partitions) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    float[] centroids = readCentroids(folder, m, conf);
    String tag = String.format(Locale.ROOT, "g%05d-%s", m.ivf().generation() + 1,
        UUID.randomUUID().toString().substring(0, 8));
    Path work = new Path(folder, "_append-" + tag);
    List<Path> moved = new ArrayList<>();
    FileSystem fs;
    try {
      fs = folder.getFileSystem(conf);
    } catch (IOException e) {
      throw new UncheckedIOException(folder + ": " + e.getMessage(), e);
    }
    boolean done = false;
    try {
      List<IvfLayout.ListFile> written = write(rows, centroids, m.dimensions(), kept, storeText,
          idColumn, work, partitions, conf);
      List<IvfLayout.ListFile> added = new ArrayList<>();
      for (IvfLayout.ListFile f : written) {
        String dir = IvfLayout.listFolder(f.list());
        String name = tag + "-" + f.path().substring(f.path().indexOf('/') + 1);
        Path to = new Path(new Path(folder, dir), name);
        fs.mkdirs(to.getParent());
        if (!fs.rename(new Path(work, f.path()), to)) {
          throw new IOException("could not move " + new Path(work, f.path()) + " to " + to);
        }
        moved.add(to);
        added.add(new IvfLayout.ListFile(f.list(), dir + "/" + name, f.rows()));
      }
      IndexManifest next = m.withIvf(m.ivf().append(added));
      Model2VecIndex.writeManifestAtomically(spark, folder, next);
      done = true;
      return next;
    } catch (IOException e) {
      throw new UncheckedIOException(folder + ": append failed: " + e.getMessage(), e);
    } finally {
      try {
        if (!done) {
          for (Path p : moved) {
            fs.delete(p, false);
          }
        }
        fs.delete(work, true);
      } catch (IOException ignored) {
        // left files are not in any manifest: readers never see them
      }
    }
  }

  /** Assigns, codes and reshapes the rows of one partition. */
  static final class Encode implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final float[] centroids;
    private final int dims;
    private final int kept;
    private final boolean storeText;
    private final String idColumn;

    Encode(float[] centroids, int dims, int kept, boolean storeText, String idColumn) {
      this.centroids = centroids;
      this.dims = dims;
      this.kept = kept;
      this.storeText = storeText;
      this.idColumn = idColumn;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> in) {
      IvfKernels.Centroids blocked = new IvfKernels.Centroids(centroids, dims);
      int batch = IvfKernels.Centroids.BATCH;
      // rows are assigned a batch at a time: the centroids (1 MB at 1,000 lists x 256
      // dimensions) are read once a batch, not once a row
      float[] units = new float[batch * dims];
      IvfKernels.Centroids.BatchScratch scratch = blocked.batchScratch();
      int[] lists = new int[batch];
      Object[][] pending = new Object[batch][];
      return new Iterator<>() {
        private int size;
        private int next;

        @Override
        public boolean hasNext() {
          return next < size || in.hasNext();
        }

        @Override
        public Row next() {
          if (next == size) {
            fill();
          }
          Object[] out = pending[next];
          out[0] = String.format(Locale.ROOT, "%05d", lists[next]);
          pending[next++] = null;
          return RowFactory.create(out);
        }

        /** Reads, codes and assigns up to a batch of rows. */
        private void fill() {
          size = 0;
          next = 0;
          while (size < batch && in.hasNext()) {
            Row r = in.next();
            if (r.isNullAt(0)) {
              throw new IllegalArgumentException("index input row has a null id (column '"
                  + idColumn + "'); every row needs an id");
            }
            float[] unit = r.isNullAt(2) ? new float[dims]
                : IvfWriter.normalizedCopy(vector(r.getList(2)));
            if (unit.length != dims) {
              throw new IllegalArgumentException("row " + r.getString(0) + ": a vector of "
                  + unit.length + " dimensions, the index has " + dims);
            }
            System.arraycopy(unit, 0, units, size * dims, dims);
            byte[] code = new byte[dims];
            float scale = IvfKernels.quantize(unit, code);
            Object[] out = new Object[(storeText ? 5 : 4) + kept];
            int i = 1; // out[0], the list, once the batch is assigned
            out[i++] = r.getString(0);
            if (storeText) {
              out[i++] = r.isNullAt(1) ? null : r.getString(1);
            }
            out[i++] = code;
            out[i++] = scale;
            for (int k = 0; k < kept; k++) {
              out[i++] = r.isNullAt(3 + k) ? null : r.getString(3 + k);
            }
            pending[size++] = out;
          }
          if (size == 0) {
            throw new java.util.NoSuchElementException();
          }
          blocked.nearestBatch(units, size, lists, scratch);
        }
      };
    }
  }
}
