package io.model2vec.spark;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

final class SparkTestSupport {
  private SparkTestSupport() {}

  static SparkSession.Builder localSession() {
    return SparkSession.builder()
        .master("local[2]")
        .appName("model2vec-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1");
  }

  static float[] vector(Row row, int field) {
    if (row.isNullAt(field)) {
      return null;
    }
    List<Object> values = row.getList(field);
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = ((Number) values.get(i)).floatValue();
    }
    return v;
  }
}
