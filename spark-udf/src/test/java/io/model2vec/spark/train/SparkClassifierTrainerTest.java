package io.model2vec.spark.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.StaticModel;
import io.model2vec.StaticModelPipeline;
import io.model2vec.pipeline.LogisticRegressionFit;
import io.model2vec.pipeline.MlpClassifierFit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark ML heads on the built-in model's embeddings, on a local SparkSession: the exported
 * sklearn heads give Spark's own probabilities (weights' layout, label order), and the trainer
 * writes a pipeline folder. With the environment variable {@code MODEL2VEC_PYTHON_CHECK=DIR},
 * the folders and the Spark probabilities are also written there for a check with Python.
 */
class SparkClassifierTrainerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SparkSession spark;
  private static List<String> texts;
  private static List<String> langs;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void start() throws IOException {
    spark = SparkSession.builder().master("local[2]").appName("model2vec-train-test")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    texts = new ArrayList<>();
    langs = new ArrayList<>();
    for (String l : Files.readAllLines(repo().resolve("testdata/corpora/fortunes-en-de.jsonl"))
        .subList(0, 800)) {
      JsonNode n = JSON.readTree(l);
      texts.add(n.get("text").asText());
      langs.add(n.get("lang").asText());
    }
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  static Path repo() {
    for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("testdata/corpora"))) {
        return d;
      }
    }
    throw new IllegalStateException("testdata/ not found above " + Paths.get("").toAbsolutePath());
  }

  /** (features, index) rows of the built-in model's embeddings; labels indexed by order. */
  static Dataset<Row> embedded(List<String> order) {
    List<Row> rows = new ArrayList<>();
    try (StaticModel m = StaticModel.load((String) null)) {
      float[][] x = m.encode(texts);
      for (int i = 0; i < x.length; i++) {
        double[] d = new double[x[i].length];
        for (int j = 0; j < d.length; j++) {
          d[j] = x[i][j];
        }
        rows.add(RowFactory.create(Vectors.dense(d), (double) order.indexOf(langs.get(i))));
      }
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType())
        .add("label", DataTypes.DoubleType);
    return spark.createDataFrame(rows, schema);
  }

  static float[] floats(Vector v) {
    double[] d = v.toArray();
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  @Test
  void exportedMlpGivesSparksProbabilitiesInSortedLabelOrder() throws IOException {
    // "en" is index 0 in Spark, second in sklearn's sorted order
    List<String> order = List.of("en", "de");
    Dataset<Row> df = embedded(order);
    // 384 inputs: the built-in model's dimensions
    MultilayerPerceptronClassificationModel m = new MultilayerPerceptronClassifier()
        .setLayers(new int[] {384, 8, 2}).setMaxIter(30).setSeed(1).fit(df);
    MlpClassifierFit fit = PipelineExport.toFit(m, order);
    assertThat(fit.classes()).containsExactly("de", "en");
    List<Row> out = m.transform(df).select("features", "probability").limit(50).collectAsList();
    for (Row r : out) {
      double[] spark = ((DenseVector) r.get(1)).toArray();
      double[] mine = fit.predictProba(floats((Vector) r.get(0)));
      assertThat(mine[0]).isCloseTo(spark[1], within(1e-5));
      assertThat(mine[1]).isCloseTo(spark[0], within(1e-5));
    }
    Path dir = tmp.resolve("mlp");
    PipelineExport.save(m, order, null, dir);
    assertThat(dir.resolve("model.safetensors")).exists();
    try (ZipFile z = new ZipFile(dir.resolve("pipeline.skops").toFile())) {
      JsonNode est = JSON.readTree(z.getInputStream(z.getEntry("schema.json")))
          .at("/content/content/steps/content/0/content/1/content/content");
      assertThat(est.at("/activation/content").asText()).isEqualTo("\"logistic\"");
      assertThat(est.at("/solver/content").asText()).isEqualTo("\"lbfgs\"");
      assertThat(est.has("_coef_indptr")).isTrue();
      assertThat(est.has("loss_curve_")).isFalse();
    }
    sameAsSpark(dir, out);
    pythonCheck("spark-mlp", dir, out);
  }

  @Test
  void exportedLogisticRegressionGivesSparksProbabilities() throws IOException {
    for (String family : List.of("binomial", "multinomial")) {
      List<String> order = List.of("en", "de");
      Dataset<Row> df = embedded(order);
      LogisticRegressionModel m = new LogisticRegression().setFamily(family).setRegParam(1e-3)
          .setMaxIter(50).fit(df);
      LogisticRegressionFit fit = PipelineExport.toFit(m, order);
      List<Row> out = m.transform(df).select("features", "probability").limit(50)
          .collectAsList();
      for (Row r : out) {
        double[] spark = ((DenseVector) r.get(1)).toArray();
        double[] mine = fit.predictProba(floats((Vector) r.get(0)));
        assertThat(mine[0]).as(family).isCloseTo(spark[1], within(1e-6));
        assertThat(mine[1]).as(family).isCloseTo(spark[0], within(1e-6));
      }
      Path dir = tmp.resolve("lr-" + family);
      PipelineExport.save(m, order, null, dir);
      sameAsSpark(dir, out);
      pythonCheck("spark-lr-" + family, dir, out);
    }
  }

  @Test
  void trainerEmbedsFitsScoresAndSaves() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      rows.add(RowFactory.create(texts.get(i), langs.get(i)));
    }
    Dataset<Row> df = spark.createDataFrame(rows, new StructType()
        .add("text", DataTypes.StringType).add("lang", DataTypes.StringType));
    SparkClassifierTrainer.Result lr = SparkClassifierTrainer.builder().labelCol("lang")
        .maxIter(50).build().fit(df);
    assertThat(lr.labels()).containsExactly("de", "en");
    assertThat(lr.report().accuracy()).isGreaterThan(0.9);
    assertThat(lr.report().examples()).isBetween(50, 120);
    Path dir = tmp.resolve("trained-lr");
    lr.save(dir);
    assertThat(dir.resolve("pipeline.skops")).exists();
    SparkClassifierTrainer.Result mlp = SparkClassifierTrainer.builder().labelCol("lang")
        .hidden(16).maxIter(50).build().fit(df);
    assertThat(mlp.sparkModel()).isInstanceOf(MultilayerPerceptronClassificationModel.class);
    assertThat(mlp.report().accuracy()).isGreaterThan(0.9);
  }

  /** The saved folder, loaded by the pipeline reader, gives Spark's probabilities. */
  static void sameAsSpark(Path dir, List<Row> rows) {
    try (StaticModelPipeline p = StaticModelPipeline.load(dir)) {
      assertThat(p.classes()).containsExactly("de", "en");
      for (Row r : rows) {
        double[] spark = ((DenseVector) r.get(1)).toArray();
        float[] mine = p.headOf(floats((Vector) r.get(0)));
        assertThat((double) mine[0]).isCloseTo(spark[1], within(1e-5));
        assertThat((double) mine[1]).isCloseTo(spark[0], within(1e-5));
      }
    }
  }

  /** With MODEL2VEC_PYTHON_CHECK=DIR: the folder and inputs.json (x, Spark's proba). */
  static void pythonCheck(String name, Path folder, List<Row> rows) throws IOException {
    String dir = System.getenv("MODEL2VEC_PYTHON_CHECK");
    if (dir == null) {
      return;
    }
    Path out = Path.of(dir, name);
    Files.createDirectories(out);
    Files.copy(folder.resolve("pipeline.skops"), out.resolve("pipeline.skops"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    var root = JSON.createObjectNode();
    var xs = root.putArray("x");
    var ps = root.putArray("proba");
    for (Row r : rows) {
      var x = xs.addArray();
      for (float v : floats((Vector) r.get(0))) {
        x.add(v);
      }
      // Spark's order is (en, de); sklearn's (de, en)
      double[] p = ((DenseVector) r.get(1)).toArray();
      ps.addArray().add(p[1]).add(p[0]);
    }
    JSON.writeValue(out.resolve("inputs.json").toFile(), root);
  }
}
