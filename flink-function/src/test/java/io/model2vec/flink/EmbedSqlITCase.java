package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
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

/** embed(text) in Flink SQL (every Flink line; the model provider: ModelProviderITCase, Flink 2). */
class EmbedSqlITCase {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER = FlinkTests.miniCluster();

  private static final List<String> TEXTS = FlinkTests.texts(60);

  private StreamTableEnvironment tEnv;

  @BeforeEach
  void tableWithTexts() {
    tEnv = FlinkTests.tableOfTexts(TEXTS);
  }

  private void set(String key, String value) {
    tEnv.getConfig().getConfiguration().setString(key, value);
  }

  private Map<Integer, float[]> collect(String sql) throws Exception {
    return FlinkTests.vectorsById(tEnv, sql);
  }

  private static void assertCoreVectors(Map<Integer, float[]> byId, String model,
      LoadOptions options) {
    FlinkTests.assertCoreVectors(byId, TEXTS, model, options);
  }


  @Test
  void registeredInstanceReturnsArrayOfFloat() throws Exception {
    String model = FlinkTests.modelPath("test-model-float32");
    tEnv.createTemporarySystemFunction("embed", new EmbedFunction(ModelReference.of(model)));
    assertThat(tEnv.sqlQuery("SELECT id, embed(text) AS e FROM t").getResolvedSchema()
        .getColumnDataTypes().get(1).toString()).isEqualTo("ARRAY<FLOAT>");
    assertCoreVectors(collect("SELECT id, embed(text) FROM t"), model, LoadOptions.defaults());
  }

  @Test
  void anElementOfTheNullVectorOfANullTextIsNull() throws Exception {
    String model = FlinkTests.modelPath("test-model-float32");
    tEnv.createTemporarySystemFunction("embed", new EmbedFunction(ModelReference.of(model)));
    Map<Integer, Object> first = new HashMap<>();
    try (CloseableIterator<Row> it = tEnv.executeSql(
        "SELECT id, embed(text)[1] FROM t").collect()) {
      it.forEachRemaining(r -> first.put((Integer) r.getField(0), r.getField(1)));
    }
    assertThat(first).containsKey(-1);
    assertThat(first.get(-1)).as("embed(NULL)[1]: NULL, never a number").isNull();
    try (StaticModel core = StaticModel.load(model)) {
      assertThat(first.get(0)).isEqualTo(core.encode(TEXTS.get(0))[0]);
    }
  }

  @Test
  void createTemporaryFunctionTakesTheModelFromTheConfiguration() throws Exception {
    String model = FlinkTests.modelPath("test-model-vocab-quantized");
    // What the SQL client's SET 'model2vec.model' = '...' does.
    set("model2vec.model", model);
    set("model2vec.dimensions", "8");
    set("model2vec.normalize", "true");
    tEnv.executeSql("CREATE TEMPORARY FUNCTION embed AS 'io.model2vec.flink.EmbedFunction'");
    Map<Integer, float[]> byId = collect("SELECT id, embed(text) FROM t");
    assertThat(byId.get(0)).hasSize(8);
    assertCoreVectors(byId, model, LoadOptions.builder().dimensions(8).normalize(true).build());
  }

  @Test
  void orFromGlobalJobParameters() throws Exception {
    String model = FlinkTests.modelPath("test-model-vocab-quantized");
    tEnv.getConfig().set(org.apache.flink.configuration.PipelineOptions.GLOBAL_JOB_PARAMETERS,
        Map.of("model2vec.model", model, "model2vec.dimensions", "5"));
    tEnv.executeSql("CREATE TEMPORARY FUNCTION embed AS 'io.model2vec.flink.EmbedFunction'");
    Map<Integer, float[]> byId = collect("SELECT id, embed(text) FROM t");
    assertThat(byId.get(0)).hasSize(5);
    assertCoreVectors(byId, model, LoadOptions.builder().dimensions(5).build());
  }

  @Test
  void badConfigurationFailsAtPlanningNamingTheKey() {
    set("model2vec.model", FlinkTests.modelPath("test-model-float32"));
    set("model2vec.max-length", "lots");
    tEnv.executeSql("CREATE TEMPORARY FUNCTION embed AS 'io.model2vec.flink.EmbedFunction'");
    assertThatThrownBy(() -> tEnv.executeSql("SELECT id, embed(text) FROM t").await())
        .hasStackTraceContaining("table configuration: model2vec.max-length must be a "
            + "positive integer or 'none', was 'lots'");
  }

}
