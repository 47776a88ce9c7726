package io.model2vec.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code CREATE TEMPORARY FUNCTION ... AS 'io.model2vec.spark.ClassifyUDF'} (and
 * {@code ClassifyProbaUDF}) in a session with Hive support: the reference's labels and
 * probabilities, null for null.
 */
class ClassifyHiveIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;

  private static SparkSession spark;
  private static List<JsonNode> expected;

  @BeforeAll
  static void start() throws IOException {
    Path dir = Fixtures.modelCopy("test-model-float32", tmp.resolve("pipeline"));
    Path fixture = Fixtures.testdata().resolve("fixtures/pipelines/mlp-multiclass");
    Files.copy(fixture.resolve("pipeline.skops"), dir.resolve("pipeline.skops"));
    Path tags = Fixtures.modelCopy("test-model-float32", tmp.resolve("tags"));
    Files.copy(fixture.resolveSibling("mlp-multilabel").resolve("pipeline.skops"),
        tags.resolve("pipeline.skops"));
    System.setProperty("derby.system.home", tmp.toString());
    spark = SparkTestSupport.localSession()
        .config("spark.sql.warehouse.dir", tmp.resolve("warehouse").toString())
        .config("spark.hadoop.javax.jdo.option.ConnectionURL",
            "jdbc:derby:;databaseName=" + tmp.resolve("metastore_db") + ";create=true")
        .config("spark.model2vec.pipeline", dir.toString())
        .config("spark.model2vec.pipelines.tags", tags.toString())
        .enableHiveSupport()
        .getOrCreate();
    expected = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(fixture.resolve("expected.jsonl"));
    for (int i = 0; i < 100; i++) {
      expected.add(JSON.readTree(lines.get(i)));
      rows.add(RowFactory.create((long) i, expected.get(i).get("text").asText()));
    }
    rows.add(RowFactory.create(1000L, null));
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType, true);
    spark.createDataFrame(rows, schema).repartition(3).createOrReplaceTempView("docs");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void temporaryFunctionsGiveTheReferencesLabelsAndProbabilities() {
    spark.sql("CREATE TEMPORARY FUNCTION hive_classify AS 'io.model2vec.spark.ClassifyUDF'");
    spark.sql("CREATE TEMPORARY FUNCTION hive_proba AS 'io.model2vec.spark.ClassifyProbaUDF'");
    List<Row> rows = spark.sql("SELECT id, hive_classify(text), hive_proba(text), "
        + "hive_classify(text, 'tags') FROM docs ORDER BY id").collectAsList();
    assertThat(rows).hasSize(expected.size() + 1);
    for (int i = 0; i < expected.size(); i++) {
      JsonNode want = expected.get(i);
      Row r = rows.get(i);
      assertThat(r.getString(1)).as("row %d", i).isEqualTo(want.get("label").asText());
      Map<String, Float> proba = r.getJavaMap(2);
      assertThat((double) proba.get("alpha")).isCloseTo(want.get("proba").get(0).asDouble(),
          within(1e-5));
      assertThat(r.getList(3)).isNotNull();
    }
    Row nulls = rows.get(expected.size());
    assertThat(nulls.isNullAt(1)).isTrue();
    assertThat(nulls.isNullAt(2)).isTrue();
    assertThat(nulls.isNullAt(3)).isTrue();
    assertThatThrownBy(() -> spark.sql("SELECT hive_classify(text, 'nope') FROM docs")
        .collectAsList()).hasMessageContaining("spark.model2vec.pipelines.nope");
  }
}
