package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The map function on a MiniCluster of 2 TaskManagers x 2 slots. */
class EmbeddingMapFunctionITCase {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER = FlinkTests.miniCluster();

  @TempDir
  Path tmp;

  private static final RowTypeInfo ID_TEXT =
      new RowTypeInfo(new org.apache.flink.api.common.typeinfo.TypeInformation<?>[] {
          Types.INT, Types.STRING}, new String[] {"id", "text"});

  @Test
  void rowsGetTheCoresVectorsAndTheModelIsLoadedOncePerJvm() throws Exception {
    // A folder no other test loads (other options of a loaded folder are views of that load),
    // so that this job's load is the only one of this model.
    LoadOptions options = LoadOptions.builder().dimensions(40).build();
    String model = Fixtures.modelCopy("test-model-vocab-quantized", tmp.resolve("model"))
        .toString();
    List<String> texts = FlinkTests.texts(400);
    List<Row> input = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      input.add(Row.of(i, texts.get(i)));
    }
    input.add(Row.of(-1, null));

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(4); // every slot of both TaskManagers
    DataStream<Row> out = env.fromData(input, ID_TEXT).rebalance()
        .map(EmbeddingMapFunction.rows(ModelReference.of(model, options), ID_TEXT, "text"));
    assertThat(out.getType().toString()).contains("embedding");

    long loadsBefore = StaticModel.loadCount();
    Map<Integer, float[]> byId = new HashMap<>();
    try (CloseableIterator<Row> it = out.executeAndCollect("embed rows")) {
      it.forEachRemaining(r -> byId.put((Integer) r.getField(0), (float[]) r.getField(2)));
    }
    long loads = StaticModel.loadCount() - loadsBefore;
    assertThat(loads).as("models loaded by 4 subtasks on 2 TaskManagers in one JVM").isEqualTo(1);

    assertThat(byId).hasSize(texts.size() + 1);
    assertThat(byId.get(-1)).as("null text gives a null vector").isNull();
    try (StaticModel core = StaticModel.load(model, options)) {
      for (int i = 0; i < texts.size(); i++) {
        assertThat(byId.get(i)).as("row %d", i).hasSize(40).containsExactly(core.encode(texts.get(i)));
      }
    }
  }

  @Test
  void stringsAndAShippedHubStyleFolder() throws Exception {
    // shipped(): the folder travels through the distributed cache (registerCachedFile).
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    String model = FlinkTests.modelPath("test-model-vocab-quantized");
    ModelReference shipped = Model2VecFlink.ship(env, ModelReference.of(model, LoadOptions.defaults()));
    assertThat(shipped.shippedAs()).isNotNull();
    assertThat(env.getCachedFiles()).hasSize(1);
    List<String> texts = List.of("hello world", "Der Nichtbus kommt nicht.", "");
    List<float[]> got = new ArrayList<>();
    try (CloseableIterator<float[]> it = env.fromData(texts)
        .map(EmbeddingMapFunction.strings(shipped)).setParallelism(1)
        .executeAndCollect("embed strings")) {
      it.forEachRemaining(got::add);
    }
    assertThat(got).hasSize(3);
    for (int i = 0; i < texts.size(); i++) {
      assertThat(got.get(i)).containsExactly(
          FlinkTests.coreVector(model, LoadOptions.defaults(), texts.get(i)));
    }
  }

  /** A POJO as Flink sees one: public fields, no-arg constructor. */
  public static class Doc {
    public int id;
    public String body;
    public float[] vector;

    public Doc() {}

    Doc(int id, String body) {
      this.id = id;
      this.body = body;
    }
  }

  @Test
  void pojos() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    String model = FlinkTests.modelPath("test-model-float16");
    List<Doc> docs = List.of(new Doc(1, "one text"), new Doc(2, null), new Doc(3, "another one"));
    Map<Integer, float[]> byId = new HashMap<>();
    try (CloseableIterator<Doc> it = env.fromData(docs, Types.POJO(Doc.class))
        .map(EmbeddingMapFunction.pojos(ModelReference.of(model), d -> d.body,
            (d, v) -> d.vector = v, Doc.class))
        .executeAndCollect("embed pojos")) {
      it.forEachRemaining(d -> byId.put(d.id, d.vector));
    }
    assertThat(byId).containsOnlyKeys(1, 2, 3);
    assertThat(byId.get(2)).isNull();
    assertThat(byId.get(3)).containsExactly(
        FlinkTests.coreVector(model, LoadOptions.defaults(), "another one"));
  }

  @Test
  void theFunctionSerializesWithoutTheModel() throws Exception {
    EmbeddingMapFunction<String, float[]> f =
        EmbeddingMapFunction.strings(ModelReference.of(FlinkTests.modelPath("test-model-float32")));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(f);
    }
    // Configuration only: a model reference and options, no table (the fixture table alone is larger).
    assertThat(bytes.size()).isLessThan(4_000);
  }

  @Test
  void badArgumentsNameTheRule() {
    assertThatThrownBy(() -> EmbeddingMapFunction.rows(ModelReference.defaultModel(), ID_TEXT, "body"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("textField must be a field of the row type [id, text], was 'body'");
    assertThatThrownBy(() -> EmbeddingMapFunction.rows(ModelReference.defaultModel(), ID_TEXT, "id"))
        .hasMessageContaining("textField 'id' must be a String field");
    assertThatThrownBy(() -> ModelReference.of(" "))
        .hasMessageContaining("model reference must be null (the default model)");
  }
}
