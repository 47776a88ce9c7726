package io.model2vec.spark;

import static io.model2vec.spark.SparkTestSupport.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * {@code CREATE [TEMPORARY] FUNCTION ... AS 'io.model2vec.spark.EmbedUDF'} in a session with Hive
 * support (an embedded Derby metastore in a temporary folder): the same vectors as {@code embed},
 * null for null, and a permanent function with the bundle as its jar, used from another session.
 */
class HiveFunctionIT {
  private static final String QUANTIZED = Fixtures.model("test-model-vocab-quantized").toString();
  private static final String FLOAT32 = Fixtures.model("test-model-float32").toString();

  @TempDir
  static Path tmp;

  private static SparkSession spark;
  private static List<String> texts;

  @BeforeAll
  static void start() {
    System.setProperty("derby.system.home", tmp.toString());
    spark = SparkTestSupport.localSession()
        .config("spark.sql.warehouse.dir", tmp.resolve("warehouse").toString())
        .config("spark.hadoop.javax.jdo.option.ConnectionURL",
            "jdbc:derby:;databaseName=" + tmp.resolve("metastore_db") + ";create=true")
        .config("spark.model2vec.model", QUANTIZED)
        .config("spark.model2vec.models.small", FLOAT32)
        .config("spark.model2vec.models.small.normalize", "false")
        .enableHiveSupport()
        .getOrCreate();
    texts = Fixtures.fortuneTexts(200);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create((long) i, texts.get(i)));
    }
    rows.add(RowFactory.create(1000L, null));
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType, true);
    spark.createDataFrame(rows, schema).repartition(3).createOrReplaceTempView("docs");
    // embed() itself, from the same configuration, to compare with
    Model2VecSpark.register(spark, QUANTIZED);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void temporaryFunctionGivesTheVectorsOfEmbedAndNullForNull() {
    spark.sql("CREATE TEMPORARY FUNCTION hive_embed AS 'io.model2vec.spark.EmbedUDF'");
    List<Row> rows = spark.sql("SELECT id, text, hive_embed(text), embed(text), "
        + "hive_embed(text, 'small') FROM docs ORDER BY id").collectAsList();
    assertThat(rows).hasSize(texts.size() + 1);
    try (StaticModel q = StaticModel.load(QUANTIZED);
        StaticModel small = StaticModel.load(FLOAT32, LoadOptions.builder().normalize(false).build())) {
      for (int i = 0; i < texts.size(); i++) {
        Row r = rows.get(i);
        assertThat(vector(r, 2)).as("row %d", i).containsExactly(vector(r, 3))
            .containsExactly(q.encode(texts.get(i)));
        assertThat(vector(r, 4)).as("row %d", i).containsExactly(small.encode(texts.get(i)));
      }
    }
    Row nullRow = rows.get(texts.size());
    assertThat(nullRow.isNullAt(2)).isTrue();
    assertThat(nullRow.isNullAt(4)).isTrue();
    // an untyped NULL too, as embed(NULL) gives
    Row literal = spark.sql("SELECT hive_embed(NULL), embed(NULL), hive_embed(NULL, 'small')")
        .collectAsList().get(0);
    assertThat(literal.isNullAt(0)).isTrue();
    assertThat(literal.isNullAt(1)).isTrue();
    assertThat(literal.isNullAt(2)).isTrue();
  }

  @Test
  void wrongArgumentsAreOneLineErrors() {
    spark.sql("CREATE TEMPORARY FUNCTION hive_embed2 AS 'io.model2vec.spark.EmbedUDF'");
    assertThatThrownBy(() -> spark.sql("SELECT hive_embed2(id) FROM docs").collectAsList())
        .hasMessageContaining("embed: the first argument must be a string, got bigint");
    assertThatThrownBy(() -> spark.sql("SELECT hive_embed2(text, text) FROM docs").collectAsList())
        .hasMessageContaining("the second argument must be a string literal naming a model");
    assertThatThrownBy(() -> spark.sql("SELECT hive_embed2(text, 'nope') FROM docs").collectAsList())
        .hasMessageContaining("spark.model2vec.models.nope");
  }

  @Test
  void permanentFunctionWithTheBundleJarWorksFromAnotherSession() {
    String bundle = System.getProperty("model2vec.bundle");
    assertThat(Path.of(bundle)).isRegularFile();
    spark.sql("CREATE FUNCTION default.m2v_embed AS 'io.model2vec.spark.EmbedUDF' USING JAR '"
        + bundle + "'");
    SparkSession other = spark.newSession();
    other.conf().set("spark.model2vec.model", QUANTIZED);
    spark.table("docs").createOrReplaceGlobalTempView("gdocs");
    assertThat(other.sql("SHOW USER FUNCTIONS IN default").collectAsList().toString())
        .contains("m2v_embed");
    List<Row> rows = other.sql("SELECT id, text, default.m2v_embed(text) FROM global_temp.gdocs "
        + "ORDER BY id").collectAsList();
    try (StaticModel q = StaticModel.load(QUANTIZED)) {
      for (int i = 0; i < texts.size(); i++) {
        assertThat(vector(rows.get(i), 2)).as("row %d", i).containsExactly(q.encode(texts.get(i)));
      }
    }
    assertThat(rows.get(texts.size()).isNullAt(2)).isTrue();
  }
}
