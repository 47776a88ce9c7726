package io.model2vec.examples;

import io.model2vec.spark.Model2VecSpark;
import io.model2vec.spark.index.Model2VecIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Near-duplicates with an index: index the sample corpus, then ask each row for its nearest
 * neighbours and keep the pairs above a cosine threshold, each pair once.
 * Arguments: [corpus.jsonl [index folder [threshold]]].
 */
public final class DedupExample {
  private DedupExample() {}

  public static void main(String[] args) throws Exception {
    String corpus = args.length > 0 ? args[0]
        : Files.exists(Path.of("examples/data/sample.jsonl")) ? "examples/data/sample.jsonl"
        : "data/sample.jsonl";
    String index = args.length > 1 ? args[1]
        : Files.createTempDirectory("model2vec-dedup").resolve("index").toString();
    // the sample corpus has no true duplicates: 0.55 finds its closest pairs (use ~0.9 for duplicates)
    double threshold = args.length > 2 ? Double.parseDouble(args[2]) : 0.55;
    SparkSession spark = SparkSession.builder().master("local[2]").appName("model2vec-dedup")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      Model2VecSpark.register(spark, null); // embed and nearest, the built-in model
      Dataset<Row> docs = spark.read().json(corpus);
      Model2VecIndex.writer(docs).keep("topic").overwrite(true).save(index);
      docs.createOrReplaceTempView("docs");
      Dataset<Row> pairs = spark.sql("SELECT n.score, d.id, n.id AS near_id, d.text, n.text AS near_text "
          + "FROM docs d LATERAL VIEW explode(nearest(d.text, '" + index + "', 5)) t AS n "
          + "WHERE n.score >= " + threshold + " AND CAST(n.id AS BIGINT) > d.id "
          + "ORDER BY n.score DESC, d.id");
      for (Row r : pairs.collectAsList()) {
        System.out.printf("%.3f  %d ~ %s  %s | %s%n", r.getFloat(0), r.getLong(1), r.getString(2),
            r.getString(3), r.getString(4));
      }
    } finally {
      spark.stop();
    }
  }
}
