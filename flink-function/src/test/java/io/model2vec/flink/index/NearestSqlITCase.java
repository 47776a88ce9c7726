package io.model2vec.flink.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.ModelReference;
import io.model2vec.flink.EmbedFunction;
import io.model2vec.index.Quantization;
import io.model2vec.index.TestIndexes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** nearest(query, 'index', k) in Flink SQL on a MiniCluster (2 TaskManagers x 2 slots). */
class NearestSqlITCase {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(2)
          .setNumberSlotsPerTaskManager(2).build());

  @TempDir
  static Path shared;
  private static Path index;
  private static List<String> texts;
  private StreamTableEnvironment tEnv;

  @BeforeAll
  static void build() throws Exception {
    texts = Fixtures.fortuneTexts(400);
    index = TestIndexes.build(shared.resolve("idx"), ModelReference.defaultModel(), texts, 2,
        Quantization.NONE);
  }

  @BeforeEach
  void table() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(4);
    tEnv = StreamTableEnvironment.create(env);
    Row[] rows = new Row[61];
    for (int i = 0; i < 60; i++) {
      rows[i] = Row.of(i, texts.get(i));
    }
    rows[60] = Row.of(-1, null);
    tEnv.createTemporaryView("t", tEnv.fromValues(DataTypes.ROW(
        DataTypes.FIELD("id", DataTypes.INT()), DataTypes.FIELD("text", DataTypes.STRING())),
        (Object[]) rows));
    tEnv.executeSql("CREATE TEMPORARY FUNCTION nearest AS '" + NearestFunction.class.getName() + "'");
    tEnv.createTemporarySystemFunction("embed", new EmbedFunction(ModelReference.defaultModel()));
  }

  private List<Row> collect(String sql) throws Exception {
    List<Row> out = new ArrayList<>();
    try (CloseableIterator<Row> it = tEnv.executeSql(sql).collect()) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  @Test
  void textAndVectorQueriesFindTheRowAndNullGivesNull() throws Exception {
    String dir = index.toString();
    List<Row> rows = collect("SELECT id, text, nearest(text, '" + dir + "', 3), "
        + "nearest(embed(text), '" + dir + "') FROM t");
    assertThat(rows).hasSize(61);
    for (Row r : rows) {
      int id = (Integer) r.getField(0);
      Row[] hits = (Row[]) r.getField(2);
      Row[] byVector = (Row[]) r.getField(3);
      if (id < 0) {
        assertThat(hits).isNull();
        assertThat(byVector).isNull();
        continue;
      }
      assertThat(hits).hasSize(3);
      assertThat(hits[0].getField(2)).isEqualTo(r.getField(1)); // its own text (or a duplicate)
      assertThat((Float) hits[0].getField(1)).isGreaterThan(0.9999f);
      assertThat(hits[0].getField(3)).isEqualTo(hits[0].getField(0)); // the stored column n
      assertThat(byVector).hasSize(10);
      assertThat(byVector[0].getField(0)).isEqualTo(hits[0].getField(0));
    }
    assertThat(tEnv.sqlQuery("SELECT nearest(text, '" + dir + "', 2) AS h FROM t")
        .getResolvedSchema().getColumnDataTypes().get(0).toString())
        .isEqualTo("ARRAY<ROW<`id` STRING NOT NULL, `score` FLOAT NOT NULL, `text` STRING, "
            + "`n` STRING> NOT NULL>");
    // the TaskManagers (one JVM here) opened the index once, shared by their 4 slots
    assertThat(NearestFunction.openedIndexes()).isEqualTo(1);
  }

  @Test
  void aBadFolderOrKFailsAtPlanningWithOneLine() {
    Path none = shared.resolve("none");
    assertThatThrownBy(() -> tEnv.sqlQuery("SELECT nearest(text, '" + none + "') FROM t"))
        .hasStackTraceContaining("nearest: " + none.resolve("manifest.json")
            + ": missing: no such folder");
    assertThatThrownBy(() -> tEnv.sqlQuery("SELECT nearest(text, '" + index + "', 0) FROM t"))
        .hasStackTraceContaining("nearest: k must be an integer literal >= 1, was 0");
  }
}
