package io.model2vec.spark;

import io.model2vec.StaticModel;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/** Functions the cluster test runs on executors (a class with no test-only dependencies). */
final class ClusterFunctions {
  private ClusterFunctions() {}

  /** executorId=loadCount of the executor JVM running the partition. */
  static final MapPartitionsFunction<Long, String> LOADS_PER_EXECUTOR = it -> {
    while (it.hasNext()) {
      it.next();
    }
    return List.of(SparkEnv.get().executorId() + "=" + StaticModel.loadCount()).iterator();
  };

  /** Slows each partition down so that the kill lands mid-job. */
  static final MapPartitionsFunction<Row, Row> SLOW = it -> {
    Thread.sleep(600);
    List<Row> rows = new ArrayList<>();
    it.forEachRemaining(rows::add);
    return rows.iterator();
  };
}
