package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.ModelReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * classify / classify_proba in Flink SQL and the classification map function on the MiniCluster,
 * against the Python reference's outputs of the pipeline fixtures.
 */
class ClassifyITCase {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER = FlinkTests.miniCluster();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;

  private static List<JsonNode> multiclass;
  private static List<JsonNode> multilabel;
  private static List<String> texts;

  static String pipeline(String name) throws IOException {
    Path dir = tmp.resolve(name);
    if (!Files.exists(dir)) {
      Fixtures.modelCopy("test-model-float32", dir);
      Files.copy(Fixtures.testdata().resolve("fixtures/pipelines").resolve(name)
          .resolve("pipeline.skops"), dir.resolve("pipeline.skops"));
    }
    return dir.toString();
  }

  static List<JsonNode> expected(String name) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(Fixtures.testdata().resolve("fixtures/pipelines")
        .resolve(name).resolve("expected.jsonl"))) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  @BeforeAll
  static void fixtures() throws IOException {
    multiclass = expected("mlp-multiclass");
    multilabel = expected("mlp-multilabel");
    texts = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      texts.add(multiclass.get(i).get("text").asText());
    }
  }

  @Test
  void registeredInstancesAreTypedAfterTheirHeads() throws Exception {
    StreamTableEnvironment tEnv = FlinkTests.tableOfTexts(texts);
    ModelReference multi = ModelReference.of(pipeline("mlp-multiclass"));
    tEnv.createTemporarySystemFunction("classify", new ClassifyFunction(multi));
    tEnv.createTemporarySystemFunction("classify_proba", new ClassifyProbaFunction(multi));
    tEnv.createTemporarySystemFunction("tags",
        new ClassifyFunction(ModelReference.of(pipeline("mlp-multilabel"))));
    tEnv.createTemporarySystemFunction("project",
        new ClassifyFunction(ModelReference.of(pipeline("mlp-projector"))));
    String sql = "SELECT id, classify(text), classify_proba(text), tags(text), project(text) "
        + "FROM t";
    assertThat(tEnv.sqlQuery(sql).getResolvedSchema().getColumnDataTypes().toString())
        .isEqualTo("[INT, STRING, MAP<STRING, FLOAT>, ARRAY<STRING NOT NULL>, ARRAY<FLOAT>]");
    Map<Integer, Row> byId = new HashMap<>();
    try (CloseableIterator<Row> it = tEnv.executeSql(sql).collect()) {
      it.forEachRemaining(r -> byId.put((Integer) r.getField(0), r));
    }
    assertThat(byId).hasSize(texts.size() + 1);
    for (int i = 0; i < texts.size(); i++) {
      Row r = byId.get(i);
      JsonNode want = multiclass.get(i);
      assertThat(r.getField(1)).as("row %d", i).isEqualTo(want.get("label").asText());
      @SuppressWarnings("unchecked")
      Map<String, Float> proba = (Map<String, Float>) r.getField(2);
      for (int j = 0; j < 3; j++) {
        assertThat((double) proba.get(want.get("classes").get(j).asText()))
            .isCloseTo(want.get("proba").get(j).asDouble(), within(1e-5));
      }
      List<String> labels = new ArrayList<>();
      multilabel.get(i).get("labels").forEach(l -> labels.add(l.asText()));
      assertThat((String[]) r.getField(3)).as("row %d", i).containsExactlyElementsOf(labels);
      assertThat((Object[]) r.getField(4)).hasSize(2);
    }
    Row nulls = byId.get(-1);
    for (int f = 1; f < 5; f++) {
      assertThat(nulls.getField(f)).isNull();
    }
  }

  @Test
  void createTemporaryFunctionTakesThePipelineFromTheConfiguration() throws Exception {
    StreamTableEnvironment tEnv = FlinkTests.tableOfTexts(texts);
    tEnv.getConfig().getConfiguration().setString("model2vec.pipeline",
        pipeline("logreg-multiclass"));
    tEnv.executeSql("CREATE TEMPORARY FUNCTION classify AS 'io.model2vec.flink.ClassifyFunction'");
    tEnv.executeSql("CREATE TEMPORARY FUNCTION classify_proba AS "
        + "'io.model2vec.flink.ClassifyProbaFunction'");
    List<JsonNode> want = expected("logreg-multiclass");
    Map<Integer, Row> byId = new HashMap<>();
    try (CloseableIterator<Row> it = tEnv.executeSql(
        "SELECT id, classify(text), classify_proba(text)['beta'] FROM t").collect()) {
      it.forEachRemaining(r -> byId.put((Integer) r.getField(0), r));
    }
    for (int i = 0; i < texts.size(); i++) {
      assertThat(byId.get(i).getField(1)).isEqualTo(want.get(i).get("label").asText());
      assertThat((double) (Float) byId.get(i).getField(2))
          .isCloseTo(want.get(i).get("proba").get(1).asDouble(), within(1e-5));
    }
    // A multilabel head is not a STRING: the configured form says how to get its labels.
    tEnv.getConfig().getConfiguration().setString("model2vec.pipeline",
        pipeline("mlp-multilabel"));
    assertThatThrownBy(() -> tEnv.executeSql("SELECT classify(text) FROM t").await())
        .hasMessageContaining("multilabel head")
        .hasMessageContaining("new ClassifyFunction(pipeline)");
  }

  @Test
  void mapFunctionOnRowsAndStrings() throws Exception {
    RowTypeInfo idText = new RowTypeInfo(new TypeInformation<?>[] {Types.INT, Types.STRING},
        new String[] {"id", "text"});
    List<Row> input = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      input.add(Row.of(i, texts.get(i)));
    }
    input.add(Row.of(-1, null));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(4);
    ModelReference tags = Model2VecFlink.shipPipeline(env,
        ModelReference.of(pipeline("mlp-multilabel")));
    DataStream<Row> out = env.fromData(input, idText).rebalance()
        .map(ClassificationMapFunction.rows(tags, idText, "text"));
    Map<Integer, Row> byId = new HashMap<>();
    try (CloseableIterator<Row> it = out.executeAndCollect("classify rows")) {
      it.forEachRemaining(r -> byId.put((Integer) r.getField(0), r));
    }
    assertThat(byId).hasSize(texts.size() + 1);
    for (int i = 0; i < texts.size(); i++) {
      List<String> labels = new ArrayList<>();
      multilabel.get(i).get("labels").forEach(l -> labels.add(l.asText()));
      assertThat((String[]) byId.get(i).getField(2)).containsExactlyElementsOf(labels);
    }
    assertThat(byId.get(-1).getField(2)).isNull();

    StreamExecutionEnvironment env2 = StreamExecutionEnvironment.getExecutionEnvironment();
    env2.setParallelism(2);
    List<Prediction> predictions = new ArrayList<>();
    try (CloseableIterator<Prediction> it = env2.fromData(texts.subList(0, 10))
        .map(ClassificationMapFunction.strings(ModelReference.of(pipeline("mlp-multiclass"))))
        .setParallelism(1).executeAndCollect("classify strings")) {
      it.forEachRemaining(predictions::add);
    }
    for (int i = 0; i < 10; i++) {
      assertThat(predictions.get(i).label()).isEqualTo(multiclass.get(i).get("label").asText());
    }
  }
}
