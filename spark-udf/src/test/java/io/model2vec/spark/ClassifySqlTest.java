package io.model2vec.spark;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
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
 * classify() and classify_proba() in SQL, DataFrames and ML pipelines on a local[2] session,
 * against the Python reference's outputs of the pipeline fixtures.
 */
class ClassifySqlTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SparkSession spark;
  private static List<JsonNode> multiclass;
  private static List<JsonNode> multilabel;

  @TempDir
  static Path tmp;

  static Path pipeline(String name) throws IOException {
    Path dir = tmp.resolve(name);
    if (!Files.exists(dir)) {
      Fixtures.modelCopy("test-model-float32", dir);
      Files.copy(Fixtures.testdata().resolve("fixtures/pipelines").resolve(name)
          .resolve("pipeline.skops"), dir.resolve("pipeline.skops"));
    }
    return dir;
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
  static void start() throws IOException {
    spark = SparkTestSupport.localSession().getOrCreate();
    multiclass = expected("mlp-multiclass");
    multilabel = expected("mlp-multilabel");
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < multiclass.size(); i++) {
      rows.add(RowFactory.create((long) i, multiclass.get(i).get("text").asText()));
    }
    rows.add(RowFactory.create(1000L, null));
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType, true);
    spark.createDataFrame(rows, schema).repartition(3).createOrReplaceTempView("texts");
    Model2VecSpark.registerPipeline(spark, pipeline("mlp-multiclass").toString(),
        LoadOptions.defaults());
    Model2VecSpark.registerPipeline(spark, "tags", pipeline("mlp-multilabel").toString(),
        LoadOptions.defaults());
    Model2VecSpark.registerPipeline(spark, "proj", pipeline("mlp-projector").toString(),
        LoadOptions.defaults());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void classifyAndProbaMatchTheReference() {
    List<Row> result = spark.sql("SELECT id, classify(text) AS label, classify_proba(text) AS p "
        + "FROM texts ORDER BY id").collectAsList();
    assertThat(result).hasSize(multiclass.size() + 1);
    for (int i = 0; i < multiclass.size(); i++) {
      JsonNode want = multiclass.get(i);
      Row row = result.get(i);
      assertThat(row.getString(1)).as("row %d", i).isEqualTo(want.get("label").asText());
      Map<String, Float> proba = row.getJavaMap(2);
      assertThat(proba).hasSize(3);
      for (int j = 0; j < 3; j++) {
        assertThat((double) proba.get(want.get("classes").get(j).asText()))
            .isCloseTo(want.get("proba").get(j).asDouble(), within(1e-5));
      }
    }
    Row nulls = result.get(multiclass.size());
    assertThat(nulls.isNullAt(1)).isTrue();
    assertThat(nulls.isNullAt(2)).isTrue();
    StructType schema = spark.sql("SELECT classify(text) AS l, classify_proba(text) AS p, "
        + "classify(text, 'tags') AS t, classify(text, 'proj') AS o FROM texts").schema();
    assertThat(schema.apply("l").dataType()).isEqualTo(DataTypes.StringType);
    assertThat(schema.apply("p").dataType()).isEqualTo(
        DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType, false));
    assertThat(schema.apply("t").dataType()).isEqualTo(
        DataTypes.createArrayType(DataTypes.StringType, false));
    assertThat(schema.apply("o").dataType()).isEqualTo(
        DataTypes.createArrayType(DataTypes.FloatType, false));
    assertThat(spark.sql("SELECT classify(NULL), classify_proba(NULL)").collectAsList().get(0)
        .anyNull()).isTrue();
  }

  @Test
  void multilabelAndProjectorPipelines() {
    List<Row> result = spark.sql("SELECT id, classify(text, 'tags'), classify(text, 'proj') "
        + "FROM texts WHERE id < 40 ORDER BY id").collectAsList();
    for (int i = 0; i < result.size(); i++) {
      List<String> want = new ArrayList<>();
      multilabel.get(i).get("labels").forEach(l -> want.add(l.asText()));
      assertThat(result.get(i).<String>getList(1)).as("row %d", i).isEqualTo(want);
      assertThat(result.get(i).getList(2)).hasSize(2);
    }
    assertThatThrownBy(() -> spark.sql("SELECT classify_proba(text, 'proj') FROM texts"))
        .hasMessageContaining("projector");
    assertThatThrownBy(() -> spark.sql("SELECT classify(text, 'nope') FROM texts"))
        .hasMessageContaining("spark.model2vec.pipelines.nope");
  }

  @Test
  void describedAndUsableAsColumns() {
    String described = spark.sql("DESCRIBE FUNCTION EXTENDED classify").collectAsList()
        .toString();
    assertThat(described).contains("classifier pipeline").contains("spark.model2vec.pipelines");
    assertThat(spark.sql("DESCRIBE FUNCTION classify_proba").collectAsList().toString())
        .contains("map<string, float>");
    Dataset<Row> df = spark.table("texts").where(col("id").lt(5)).orderBy("id")
        .withColumn("label", Model2VecSpark.classify(col("text")))
        .withColumn("tags", Model2VecSpark.classify(col("text"), "tags"));
    List<Row> rows = df.collectAsList();
    for (int i = 0; i < rows.size(); i++) {
      assertThat(rows.get(i).getString(2)).isEqualTo(multiclass.get(i).get("label").asText());
    }
  }

  @Test
  void mlTransformerSavesAndLoads() throws IOException {
    Model2VecClassifier stage = new Model2VecClassifier()
        .setPipeline(pipeline("logreg-multiclass").toString())
        .setInputCol("text").setPredictionCol("label").setProbabilityCol("proba");
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {stage})
        .fit(spark.table("texts"));
    Path saved = tmp.resolve("ml-pipeline");
    model.write().overwrite().save(saved.toString());
    PipelineModel loaded = PipelineModel.load(saved.toString());
    List<JsonNode> want = expected("logreg-multiclass");
    List<Row> rows = loaded.transform(spark.table("texts")).where(col("id").lt(50))
        .orderBy("id").select("label", "proba").collectAsList();
    for (int i = 0; i < rows.size(); i++) {
      assertThat(rows.get(i).getString(0)).isEqualTo(want.get(i).get("label").asText());
      assertThat((double) rows.get(i).<String, Float>getJavaMap(1).get("beta"))
          .isCloseTo(want.get(i).get("proba").get(1).asDouble(), within(1e-5));
    }
    assertThatThrownBy(() -> new Model2VecClassifier().transform(spark.table("texts")))
        .hasMessageContaining("set pipeline");
  }
}
