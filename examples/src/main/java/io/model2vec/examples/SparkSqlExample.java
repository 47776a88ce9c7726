package io.model2vec.examples;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Spark SQL: the session extension adds embed(text); the model comes from the configuration. */
public final class SparkSqlExample {
  private SparkSqlExample() {}

  public static void main(String[] args) {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("model2vec-example")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.extensions", "io.model2vec.spark.Model2VecExtensions")
        // unset spark.model2vec.model: the built-in model
        .config("spark.model2vec.max-length", "256")
        .getOrCreate();
    try {
      spark.sql("CREATE TEMPORARY VIEW docs AS SELECT * FROM VALUES "
          + "(1, 'How do I bake bread?'), (2, 'A recipe for sourdough loaves'), "
          + "(3, 'The rocket launched at dawn') AS docs(id, text)");
      spark.sql("CREATE TEMPORARY VIEW vectors AS SELECT id, text, embed(text) AS v FROM docs");
      for (Row r : spark.sql("SELECT b.text, aggregate(zip_with(a.v, b.v, (x, y) -> x * y), "
          + "0D, (s, p) -> s + p) AS cosine FROM vectors a JOIN vectors b "
          + "ON a.id = 1 AND b.id <> 1 ORDER BY cosine DESC").collectAsList()) {
        System.out.printf("%.3f  %s%n", r.getDouble(1), r.getString(0));
      }
    } finally {
      spark.stop();
    }
  }
}
