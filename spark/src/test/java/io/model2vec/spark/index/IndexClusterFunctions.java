package io.model2vec.spark.index;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/** Functions the index cluster test runs on executors (no test-only dependencies). */
final class IndexClusterFunctions {
  private IndexClusterFunctions() {}

  /** Slows each partition down so that the kill lands mid-job. */
  static final MapPartitionsFunction<Row, Row> SLOW = it -> {
    Thread.sleep(600);
    List<Row> rows = new ArrayList<>();
    it.forEachRemaining(rows::add);
    return rows.iterator();
  };
}
