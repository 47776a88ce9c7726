package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/** Shared test helpers: the cluster shape of the issue and the expected vectors. */
final class FlinkTests {
  private FlinkTests() {}

  /** The Flink line under test ("1.20" or "2"), set by the line module's build. */
  static final String LINE = System.getProperty("flink.line", "2");

  /** Whether this Flink line has CREATE MODEL / ML_PREDICT (2.1+), and so our model provider. */
  static boolean hasModelProvider() {
    return !LINE.equals("1.20");
  }

  /** 2 TaskManagers x 2 slots, in this JVM. */
  static MiniClusterExtension miniCluster() {
    return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
        .setNumberTaskManagers(2)
        .setNumberSlotsPerTaskManager(2)
        .build());
  }

  static String modelPath(String name) {
    return Fixtures.model(name).toString();
  }

  /** The core's vector for {@code text}, from a model loaded outside the cache. */
  static float[] coreVector(String model, LoadOptions options, String text) {
    try (StaticModel m = StaticModel.load(model, options)) {
      return m.encode(text);
    }
  }

  /** Texts with variety: German, English, empty, long; from the shared corpus. */
  static List<String> texts(int n) {
    List<String> out = new ArrayList<>(Fixtures.fortuneTexts(n - 2));
    out.add("");
    out.add("hello world");
    return out;
  }

  /** A SQL ARRAY<FLOAT> value (float[] or Float[]) as float[]. */
  static float[] floats(Object value) {
    if (value == null || value instanceof float[]) {
      return (float[]) value;
    }
    Object[] boxed = (Object[]) value;
    float[] out = new float[boxed.length];
    for (int i = 0; i < boxed.length; i++) {
      out[i] = (Float) boxed[i];
    }
    return out;
  }

  /** A table environment with the view {@code t(id INT, text STRING)}: the texts, then (-1, NULL). */
  static StreamTableEnvironment tableOfTexts(List<String> texts) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(4);
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
    Row[] rows = new Row[texts.size() + 1];
    for (int i = 0; i < texts.size(); i++) {
      rows[i] = Row.of(i, texts.get(i));
    }
    rows[texts.size()] = Row.of(-1, null);
    tEnv.createTemporaryView("t", tEnv.fromValues(DataTypes.ROW(
        DataTypes.FIELD("id", DataTypes.INT()), DataTypes.FIELD("text", DataTypes.STRING())),
        (Object[]) rows));
    return tEnv;
  }

  /** Runs {@code sql} (first column the id, last a vector) and returns the vectors by id. */
  static Map<Integer, float[]> vectorsById(StreamTableEnvironment tEnv, String sql)
      throws Exception {
    Map<Integer, float[]> byId = new HashMap<>();
    try (CloseableIterator<Row> it = tEnv.executeSql(sql).collect()) {
      it.forEachRemaining(r -> byId.put((Integer) r.getField(0),
          floats(r.getField(r.getArity() - 1))));
    }
    return byId;
  }

  /** Every text's vector is the core's, exactly; the NULL text's is NULL. */
  static void assertCoreVectors(Map<Integer, float[]> byId, List<String> texts, String model,
      LoadOptions options) {
    assertThat(byId).hasSize(texts.size() + 1);
    assertThat(byId.get(-1)).as("NULL text gives a NULL array").isNull();
    try (StaticModel core = StaticModel.load(model, options)) {
      for (int i = 0; i < texts.size(); i++) {
        assertThat(byId.get(i)).as("id %d", i).containsExactly(core.encode(texts.get(i)));
      }
    }
  }
}
