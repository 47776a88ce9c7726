package io.model2vec.spark;

import static io.model2vec.spark.SparkTestSupport.vector;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.LocalHub;
import io.model2vec.StaticModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.AnalysisException;
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

/** embed() in SQL, DataFrames and ML pipelines on a local[2] session. */
class EmbedSqlTest {
  private static final String FLOAT32 = Fixtures.model("test-model-float32").toString();
  private static final String QUANTIZED = Fixtures.model("test-model-vocab-quantized").toString();
  private static SparkSession spark;
  private static List<String> texts;

  @TempDir
  java.nio.file.Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.localSession().getOrCreate();
    texts = Fixtures.fortuneTexts(500);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create((long) i, texts.get(i)));
    }
    rows.add(RowFactory.create(1000L, null));
    rows.add(RowFactory.create(1001L, ""));
    rows.add(RowFactory.create(1002L, "🙂🙂"));
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType, true);
    spark.createDataFrame(rows, schema).repartition(4).createOrReplaceTempView("docs");
    Model2VecSpark.register(spark, QUANTIZED);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void sqlGivesTheCoreVectorsNullsAndZeroVectors() {
    List<Row> result = spark.sql("SELECT id, embed(text) AS e FROM docs ORDER BY id").collectAsList();
    assertThat(result).hasSize(texts.size() + 3);
    try (StaticModel core = StaticModel.load(QUANTIZED)) {
      for (int i = 0; i < texts.size(); i++) {
        assertThat(vector(result.get(i), 1)).as("row %d", i).containsExactly(core.encode(texts.get(i)));
      }
    }
    assertThat(result.get(texts.size()).isNullAt(1)).isTrue();
    assertThat(vector(result.get(texts.size() + 1), 1)).hasSize(64).containsOnly(0f);
    StructType schema = spark.sql("SELECT embed(text) AS e FROM docs").schema();
    assertThat(schema.apply("e").dataType())
        .isEqualTo(DataTypes.createArrayType(DataTypes.FloatType, false));
    assertThat(spark.sql("SELECT embed(NULL)").collectAsList().get(0).isNullAt(0)).isTrue();
  }

  @Test
  void wrongTypesAndArityAreAnalysisErrors() {
    assertThatThrownBy(() -> spark.sql("SELECT embed(id) FROM docs").collectAsList())
        .isInstanceOf(AnalysisException.class)
        .hasMessageContaining("requires the \"STRING\" type").hasMessageContaining("BIGINT");
    assertThatThrownBy(() -> spark.sql("SELECT embed(text, 'a', 'b') FROM docs"))
        .isInstanceOf(AnalysisException.class).hasMessageContaining("embed");
    assertThatThrownBy(() -> spark.sql("SELECT embed(text, 'unknown_model') FROM docs"))
        .hasMessageContaining("spark.model2vec.models.unknown_model");
  }

  @Test
  void withoutHiveSupportCreateFunctionTakesOnlyAggregatesSoTheExtensionIsTheWay() {
    // What docs/spark.md says: Spark's own CREATE FUNCTION handler (no Hive) accepts only
    // UserDefinedAggregateFunction classes; EmbedUDF needs a session with Hive support.
    spark.sql("CREATE TEMPORARY FUNCTION plain_embed AS 'io.model2vec.spark.EmbedUDF'");
    try {
      assertThatThrownBy(() -> spark.sql("SELECT plain_embed('a')").collectAsList())
          .isInstanceOf(AnalysisException.class).hasMessageContaining("NO_HANDLER_FOR_UDAF");
    } finally {
      spark.sql("DROP TEMPORARY FUNCTION plain_embed");
    }
  }

  @Test
  void describeFunctionShowsUsage() {
    String described = spark.sql("DESCRIBE FUNCTION EXTENDED embed").collectAsList().toString();
    assertThat(described).contains("Model2Vec embedding").contains("spark.model2vec.models");
  }

  @Test
  void dataFrameColumnsAndNamedModels() {
    Model2VecSpark.registerModel(spark, "small", FLOAT32, LoadOptions.builder().normalize(false).build());
    Dataset<Row> df = spark.table("docs").where("id < 20")
        .withColumn("e", Model2VecSpark.embed(col("text")))
        .withColumn("s", Model2VecSpark.embed(col("text"), "small"))
        .orderBy("id");
    List<Row> rows = df.collectAsList();
    try (StaticModel q = StaticModel.load(QUANTIZED);
        StaticModel small = StaticModel.load(FLOAT32, LoadOptions.builder().normalize(false).build())) {
      for (Row r : rows) {
        String t = texts.get((int) r.getLong(0));
        assertThat(vector(r, 2)).containsExactly(q.encode(t));
        assertThat(vector(r, 3)).containsExactly(small.encode(t));
      }
    }
  }

  @Test
  void resultColumnsAreNamedLikeABuiltInFunction() {
    Model2VecSpark.registerModel(spark, "small", FLOAT32, LoadOptions.defaults());
    assertThat(spark.sql("SELECT embed(text), embed(text, 'small') FROM docs").columns())
        .containsExactly("embed(text)", "embed(text, 'small')");
    assertThat(spark.table("docs").select(Model2VecSpark.embed(col("text"))).columns())
        .containsExactly("embed(text)");
    spark.sql("CREATE OR REPLACE TEMPORARY VIEW named AS SELECT id, embed(text) FROM docs");
    assertThat(spark.table("named").columns()).containsExactly("id", "embed(text)");
    String plan = spark.sql("EXPLAIN EXTENDED SELECT embed(text) FROM docs").first().getString(0);
    assertThat(plan).contains("embed(text").doesNotContain("Embedder@");
    // the same vectors as before the name: the optimizer runs the code-generated call
    Row r = spark.sql("SELECT text, embed(text) FROM docs WHERE id = 3").first();
    try (StaticModel q = StaticModel.load(QUANTIZED)) {
      assertThat(vector(r, 1)).containsExactly(q.encode(r.getString(0)));
    }
  }

  @Test
  void optionKeysHaveOneSpellingAndTheOldOneStillWorks() {
    spark.conf().set("spark.model2vec.models.opt", FLOAT32);
    try {
      spark.conf().set("spark.model2vec.models.opt.maxLength", "1"); // the deprecated spelling
      spark.conf().set("spark.model2vec.models.opt.normalize", "false");
      Row r = spark.sql("SELECT embed('hello world', 'opt')").first();
      try (StaticModel one = StaticModel.load(FLOAT32,
          LoadOptions.builder().maxLength(1).normalize(false).build())) {
        assertThat(vector(r, 0)).containsExactly(one.encode("hello world"));
      }
      spark.conf().set("spark.model2vec.models.opt.max-length", "lots");
      assertThatThrownBy(() -> spark.sql("SELECT embed('x', 'opt')").collect())
          .hasMessageContaining("spark.model2vec.models.opt.max-length must be a positive integer "
              + "or 'none', was 'lots'");
    } finally {
      for (String k : new String[] {"", ".maxLength", ".max-length", ".normalize"}) {
        spark.conf().unset("spark.model2vec.models.opt" + k);
      }
    }
  }

  @Test
  void aHadoopFolderIsCopiedByTheDriver() throws Exception {
    spark.sparkContext().hadoopConfiguration().set("fs." + SchemeLocalFileSystem.SCHEME + ".impl",
        SchemeLocalFileSystem.class.getName());
    String hadoopPath = SchemeLocalFileSystem.SCHEME + "://" + FLOAT32;
    Model2VecSpark.registerModel(spark, "hadoop", hadoopPath, LoadOptions.defaults());
    List<Row> rows = spark.sql("SELECT id, embed(text, 'hadoop') FROM docs WHERE id < 50")
        .collectAsList();
    assertThat(rows).hasSize(50);
    try (StaticModel core = StaticModel.load(FLOAT32)) {
      for (Row r : rows) {
        assertThat(vector(r, 1)).containsExactly(core.encode(texts.get((int) r.getLong(0))));
      }
    }
    // a Hadoop folder that is not a model fails on the driver, naming what is missing
    java.nio.file.Files.writeString(tmp.resolve("config.json"), "{}");
    Model2VecSpark.registerModel(spark, "nothing", SchemeLocalFileSystem.SCHEME + "://"
        + tmp.toAbsolutePath(), LoadOptions.defaults());
    assertThatThrownBy(() -> spark.sql("SELECT embed(text, 'nothing') FROM docs"))
        .hasMessageContaining("model.safetensors");
    Model2VecSpark.registerModel(spark, "absent", SchemeLocalFileSystem.SCHEME + ":///no/such/model",
        LoadOptions.defaults());
    assertThatThrownBy(() -> spark.sql("SELECT embed(text, 'absent') FROM docs"))
        .hasMessageContaining("m2vtest:///no/such/model does not exist");
  }

  @Test
  void coverageCountsUnknownTokens() {
    Model2VecSpark.registerModel(spark, "coverage", FLOAT32, LoadOptions.defaults());
    spark.sql("SELECT embed(text, 'coverage') FROM docs").collectAsList();
    long[] counts = Model2VecSpark.tokenCounts(spark, "coverage");
    assertThat(counts[0]).as("texts").isEqualTo(texts.size() + 2); // null is not encoded
    assertThat(counts[1]).as("tokens").isGreaterThan(counts[0]);
    assertThat(counts[2]).as("unknown tokens (the emoji)").isGreaterThan(0);
  }

  @Test
  void theModelIsLoadedOncePerJvm() {
    // a folder no other test has loaded: with other options, QUANTIZED itself is a view of a load
    String fresh = Fixtures.modelCopy("test-model-vocab-quantized", tmp.resolve("once")).toString();
    Model2VecSpark.registerModel(spark, "once", fresh, LoadOptions.builder().dimensions(5).build());
    long before = StaticModel.loadCount();
    for (int i = 0; i < 3; i++) {
      spark.sql("SELECT embed(text, 'once') FROM docs").collectAsList();
    }
    // loaded once (when the first query was analysed), then shared by every task of every query
    assertThat(StaticModel.loadCount() - before).isEqualTo(1);
  }

  @Test
  void mlPipelineSavesAndLoads() throws Exception {
    Model2VecTransformer stage = new Model2VecTransformer().setInputCol("text")
        .setOutputCol("features").setModel(QUANTIZED).setOutputType("vector").setDimensions(16);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {stage});
    Dataset<Row> input = spark.table("docs").where("id < 30");
    PipelineModel fitted = pipeline.fit(input);
    String path = tmp.resolve("pipeline").toString();
    fitted.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    List<Row> a = fitted.transform(input).orderBy("id").select("id", "features").collectAsList();
    List<Row> b = loaded.transform(input).orderBy("id").select("id", "features").collectAsList();
    assertThat(b).isEqualTo(a);
    try (StaticModel core = StaticModel.load(QUANTIZED, LoadOptions.builder().dimensions(16).build())) {
      Row first = a.get(0);
      double[] v = ((Vector) first.get(1)).toArray();
      float[] expected = core.encode(texts.get((int) first.getLong(0)));
      assertThat(v).hasSize(16);
      for (int i = 0; i < 16; i++) {
        assertThat((float) v[i]).isEqualTo(expected[i]);
      }
    }
    assertThatThrownBy(() -> new Model2VecTransformer().setInputCol("id").transform(input))
        .hasMessageContaining("must be a string column");
    // no model set: the built-in one
    Row d = new Model2VecTransformer().setInputCol("text").setOutputCol("e").transform(input)
        .where("id = 1").first();
    try (StaticModel builtIn = StaticModel.load((String) null)) {
      assertThat(vector(d, d.fieldIndex("e"))).containsExactly(builtIn.encode(d.getString(1)));
    }
  }

  @Test
  void twoCallsOfEmbedOnTheSameTextAreTheSameExpression() {
    List<Row> rows = spark.sql("SELECT embed(text) AS v, count(*) FROM docs WHERE id < 10 "
        + "GROUP BY embed(text)").collectAsList();
    assertThat(rows).hasSize((int) spark.sql("SELECT DISTINCT text FROM docs WHERE id < 10").count());
  }

  @Test
  void aHubModelResolvedOnTheDriverKeepsTheTokenOnTheHubAndWritesOnlyIntoTheCache()
      throws Exception {
    java.nio.file.Path cache = tmp.resolve("a/b/hub");
    java.nio.file.Path victim = tmp.resolve("a/victim");
    java.nio.file.Files.createDirectories(victim.getParent());
    java.nio.file.Files.writeString(victim, "precious");
    String model = spark.conf().get("spark.model2vec.model");
    try (LocalHub hub = LocalHub.servePrivate(Map.of("org/private",
        java.nio.file.Path.of(FLOAT32)), cache, "s3cret")) {
      spark.conf().set("spark.model2vec.model", "org/private");
      List<Row> rows = spark.sql("SELECT id, embed(text) FROM docs WHERE id < 20").collectAsList();
      try (StaticModel core = StaticModel.load(FLOAT32)) {
        for (Row r : rows) {
          assertThat(vector(r, 1)).containsExactly(core.encode(texts.get((int) r.getLong(0))));
        }
      }
      // the driver sent the token to the hub, never to the CDN on another origin
      assertThat(hub.authorizations()).contains("Bearer s3cret");
      assertThat(hub.cdnRequests()).anyMatch(r -> r.startsWith("GET /cdn/"));
      assertThat(hub.cdnAuthorizations()).allMatch(String::isEmpty);

      // spark.model2vec.revision is a ref name: one that climbs out of the cache is refused
      spark.conf().set("spark.model2vec.revision", "../../../victim");
      assertThatThrownBy(() -> spark.sql("SELECT embed(text) FROM docs").collectAsList())
          .hasMessageContaining("revision").hasMessageContaining("'../../../victim'");
      assertThat(java.nio.file.Files.readString(victim)).isEqualTo("precious");
      try (Stream<java.nio.file.Path> all = java.nio.file.Files.walk(tmp.resolve("a"))) {
        assertThat(all.filter(p -> !p.startsWith(cache) && !cache.startsWith(p)))
            .as("written outside the cache").containsExactly(victim);
      }
    } finally {
      spark.conf().set("spark.model2vec.model", model);
      spark.conf().unset("spark.model2vec.revision");
    }
  }
}
