package io.model2vec.spark.index;

import io.model2vec.StaticModel;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.IvfKernels;
import io.model2vec.index.IvfLayout;
import io.model2vec.index.IvfWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Searches an IVF index (format 2) with Spark, for indexes larger than one machine: the driver
 * embeds the query and picks its {@code nprobe} nearest lists from the centroids; Spark reads
 * only those lists' Parquet files (the manifest's, so an append in progress is not seen), scores
 * their int8 codes in the executors and returns the best candidates, which the driver rescores
 * exactly by embedding their texts again.
 *
 * <pre>{@code
 * List<Row> hits = IvfSparkSearch.search(spark, "hdfs:///indexes/docs", "reset my password", 10, 0);
 * }</pre>
 */
public final class IvfSparkSearch {
  private IvfSparkSearch() {}

  /**
   * The k nearest rows of {@code query}: {@code id, score, text, <kept columns>}, best first.
   * {@code nprobe} 0 takes the manifest's.
   */
  public static List<Row> search(SparkSession spark, String index, String query, int k,
      int nprobe) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, was " + k);
    }
    Path folder = new Path(index);
    IndexManifest m = Model2VecIndex.readManifest(spark, folder);
    if (m.ivf() == null) {
      throw new IllegalArgumentException("index " + index + " is a Lucene HNSW index (format 1); "
          + "this search reads IVF indexes (rebuild it with spark-index --overwrite)");
    }
    StaticModel model = m.model().shared();
    float[] q = IvfKernels.normalized(model.encode(query));
    int rescore = Math.max(3 * k, io.model2vec.Settings.INDEX_IVF_RESCORE.get());
    List<Row> candidates = scan(spark, folder, m, q, nprobe)
        .orderBy(functions.desc("score")).limit(Math.max(k, rescore)).collectAsList();
    List<Object[]> scored = new ArrayList<>();
    List<String> kept = m.storedFields();
    for (Row r : candidates) {
      // an index built without texts keeps its int8 scores
      int textAt = java.util.Arrays.asList(r.schema().fieldNames()).indexOf(IvfWriter.TEXT);
      String text = textAt < 0 || r.isNullAt(textAt) ? null : r.getString(textAt);
      float score = text == null ? r.getFloat(r.fieldIndex("score"))
          : dot(q, IvfKernels.normalized(model.encode(text)));
      Object[] row = new Object[3 + kept.size()];
      row[0] = r.getString(r.fieldIndex(IvfWriter.ID));
      row[1] = score;
      row[2] = text;
      for (int i = 0; i < kept.size(); i++) {
        int at = r.fieldIndex(kept.get(i));
        row[3 + i] = r.isNullAt(at) ? null : r.getString(at);
      }
      scored.add(row);
    }
    scored.sort((a, b) -> Float.compare((Float) b[1], (Float) a[1]));
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < Math.min(k, scored.size()); i++) {
      out.add(RowFactory.create(scored.get(i)));
    }
    return out;
  }

  /**
   * The rows of the lists probed for the normalized query {@code q} (nprobe 0: the manifest's),
   * read from exactly those lists' files, with an int8 {@code score} column.
   */
  public static Dataset<Row> scan(SparkSession spark, Path folder, IndexManifest m, float[] q,
      int nprobe) {
    float[] centroids = IvfSparkWriter.readCentroids(folder, m,
        spark.sparkContext().hadoopConfiguration());
    int[] probe = IvfKernels.probe(q, centroids, m.ivf().lists(),
        nprobe > 0 ? nprobe : m.ivf().nprobe());
    Set<Integer> lists = new HashSet<>();
    for (int l : probe) {
      lists.add(l);
    }
    List<String> files = new ArrayList<>();
    for (IvfLayout.ListFile f : m.ivf().files()) {
      if (lists.contains(f.list())) {
        files.add(new Path(folder, f.path()).toString());
      }
    }
    if (files.isEmpty()) {
      throw new IllegalStateException("index " + folder + " has no rows in the lists probed");
    }
    int dims = m.dimensions();
    UDF2<byte[], Float, Float> score = (code, scale) -> {
      float s = 0;
      for (int i = 0; i < dims; i++) {
        s += q[i] * code[i];
      }
      return s * scale;
    };
    return spark.read().option("basePath", folder.toString())
        .parquet(files.toArray(new String[0]))
        .withColumn("score", functions.udf(score, DataTypes.FloatType)
            .apply(functions.col(IvfWriter.CODE), functions.col(IvfWriter.SCALE)));
  }

  private static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
