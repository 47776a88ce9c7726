package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.LoadOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The model2vec provider behind CREATE MODEL / ML_PREDICT (Flink 2.1+). */
class ModelProviderITCase {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER = FlinkTests.miniCluster();

  private static final List<String> TEXTS = FlinkTests.texts(60);

  private StreamTableEnvironment tEnv;

  @BeforeEach
  void tableWithTexts() {
    tEnv = FlinkTests.tableOfTexts(TEXTS);
  }

  private Map<Integer, float[]> collect(String sql) throws Exception {
    return FlinkTests.vectorsById(tEnv, sql);
  }

  private static void assertCoreVectors(Map<Integer, float[]> byId, String model,
      LoadOptions options) {
    FlinkTests.assertCoreVectors(byId, TEXTS, model, options);
  }


  @Test
  void createModelAndMlPredict() throws Exception {
    String model = FlinkTests.modelPath("test-model-sentence-transformers");
    tEnv.executeSql("CREATE MODEL m INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
        + "WITH ('provider' = 'model2vec', 'model' = '" + model + "', 'max-length' = 'none')");
    Map<Integer, float[]> byId = collect(
        "SELECT id, embedding FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(text))");
    assertCoreVectors(byId, model, LoadOptions.builder().noMaxLength().build());
  }

  @Test
  void mlPredictInBatchModeSaysWhatToUseInstead() throws Exception {
    org.apache.flink.table.api.TableEnvironment batch = org.apache.flink.table.api.TableEnvironment
        .create(org.apache.flink.table.api.EnvironmentSettings.inBatchMode());
    String model = FlinkTests.modelPath("test-model-float32");
    batch.executeSql("CREATE TEMPORARY VIEW t AS SELECT * FROM (VALUES (1, 'hello world')) "
        + "AS t(id, text)");
    batch.executeSql("CREATE MODEL m INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
        + "WITH ('provider' = 'model2vec', 'model' = '" + model + "')");
    assertThatThrownBy(() -> batch.executeSql(
        "SELECT id, embedding FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(text))").await())
        .hasStackTraceContaining("Flink cannot plan ML_PREDICT in batch mode; use the SQL "
            + "function there: CREATE TEMPORARY FUNCTION embed AS "
            + "'io.model2vec.flink.EmbedFunction'");
    // the batch equivalent works
    batch.getConfig().getConfiguration().setString("model2vec.model", model);
    batch.executeSql("CREATE TEMPORARY FUNCTION embed AS 'io.model2vec.flink.EmbedFunction'");
    assertThat(collectFrom(batch, "SELECT id, embed(text) FROM t").get(1)).hasSize(2);
  }

  private static Map<Integer, float[]> collectFrom(
      org.apache.flink.table.api.TableEnvironment env, String sql) throws Exception {
    Map<Integer, float[]> byId = new HashMap<>();
    try (CloseableIterator<Row> it = env.executeSql(sql).collect()) {
      it.forEachRemaining(r -> byId.put((Integer) r.getField(0), FlinkTests.floats(r.getField(1))));
    }
    return byId;
  }

  @Test
  void createModelRejectsWrongSchemasAndOptions() {
    tEnv.executeSql("CREATE MODEL two INPUT (text STRING) OUTPUT (label STRING) "
        + "WITH ('provider' = 'model2vec')");
    assertThatThrownBy(() -> tEnv.executeSql(
        "SELECT * FROM ML_PREDICT(TABLE t, MODEL two, DESCRIPTOR(text))").await())
        .hasStackTraceContaining("must have one ARRAY<FLOAT> output column");
    tEnv.executeSql("CREATE MODEL typo INPUT (text STRING) OUTPUT (e ARRAY<FLOAT>) "
        + "WITH ('provider' = 'model2vec', 'modle' = 'x')");
    assertThatThrownBy(() -> tEnv.executeSql(
        "SELECT * FROM ML_PREDICT(TABLE t, MODEL typo, DESCRIPTOR(text))").await())
        .hasStackTraceContaining("modle");
  }
}
