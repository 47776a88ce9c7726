package io.model2vec.spark.connect;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
 * A Spark Connect server in its own JVM (Spark with its Connect module, our bundle, the session
 * extension and a configured model, on a free 127.0.0.1 port) and the Spark Connect JVM client of
 * the same Spark version: {@code embed} in SQL and as a DataFrame function gives the core's
 * vectors (those of the in-process {@code embed}), null for null.
 */
class SparkConnectIT {
  private static final String QUANTIZED = Fixtures.model("test-model-vocab-quantized").toString();
  private static final String FLOAT32 = Fixtures.model("test-model-float32").toString();
  private static final Path PIPELINE_FIXTURE =
      Fixtures.testdata().resolve("fixtures/pipelines/mlp-multiclass");

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  static Path tmp;

  private static Process server;
  private static SparkSession spark;
  private static Path log;

  @BeforeAll
  static void startServer() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String bundle = System.getProperty("model2vec.bundle");
    assertThat(Path.of(bundle)).as("the model2vec-spark-4 bundle").isRegularFile();
    // Spark and its Connect server from the spark-4 module's test classpath; our code only as the
    // bundle, as users install it.
    String sparkJars = Arrays.stream(Files.readString(
            Path.of(System.getProperty("model2vec.serverClasspath"))).trim().split(File.pathSeparator))
        .filter(e -> !e.contains("model2vec"))
        .collect(Collectors.joining(File.pathSeparator));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(Arrays.asList(System.getProperty("model2vec.jvmFlags").trim().split("\\s+")));
    cmd.addAll(List.of(
        "-cp", bundle + File.pathSeparator + sparkJars,
        "-Dspark.master=local[2]",
        "-Dspark.app.name=model2vec-connect-it",
        "-Dspark.ui.enabled=false",
        "-Dspark.driver.host=127.0.0.1",
        "-Dspark.driver.bindAddress=127.0.0.1",
        "-Dspark.sql.warehouse.dir=" + tmp.resolve("warehouse"),
        "-Dspark.connect.grpc.binding.address=127.0.0.1",
        "-Dspark.connect.grpc.binding.port=" + port,
        "-Dspark.sql.extensions=io.model2vec.spark.Model2VecExtensions",
        "-Dspark.model2vec.model=" + QUANTIZED,
        "-Dspark.model2vec.models.small=" + FLOAT32,
        "-Dspark.model2vec.models.small.normalize=false",
        "-Dspark.model2vec.pipeline=" + pipeline(),
        "org.apache.spark.sql.connect.service.SparkConnectServer"));
    log = tmp.resolve("connect-server.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile()).directory(tmp.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    server = pb.start();
    waitForPort(port, 180);
    spark = org.apache.spark.sql.connect.SparkSession.builder()
        .remote("sc://127.0.0.1:" + port).getOrCreate();
  }

  /** A classifier pipeline folder: the float32 test model and the mlp-multiclass head. */
  private static Path pipeline() throws IOException {
    Path dir = Fixtures.modelCopy("test-model-float32", tmp.resolve("pipeline"));
    Files.copy(PIPELINE_FIXTURE.resolve("pipeline.skops"), dir.resolve("pipeline.skops"));
    return dir;
  }

  @Test
  void classifyOverConnectGivesTheReferencesLabels() throws Exception {
    List<String> lines = Files.readAllLines(PIPELINE_FIXTURE.resolve("expected.jsonl"));
    List<Row> input = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < 30; i++) {
      JsonNode e = json.readTree(lines.get(i));
      input.add(RowFactory.create((long) i, e.get("text").asText()));
      labels.add(e.get("label").asText());
    }
    input.add(RowFactory.create(999L, null));
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType, true);
    spark.createDataFrame(input, schema).createOrReplaceTempView("texts");
    List<Row> rows = spark.sql("SELECT id, classify(text), classify_proba(text) FROM texts "
        + "ORDER BY id").collectAsList();
    for (int i = 0; i < labels.size(); i++) {
      assertThat(rows.get(i).getString(1)).as("row %d", i).isEqualTo(labels.get(i));
      assertThat(rows.get(i).<String, Float>getJavaMap(2)).containsOnlyKeys("alpha", "beta",
          "gamma");
    }
    assertThat(rows.get(labels.size()).isNullAt(1)).isTrue();
    assertThat(spark.sql("DESCRIBE FUNCTION classify").collectAsList().toString())
        .contains("classifier pipeline");
  }

  private static void waitForPort(int port, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("the Spark Connect server exited with "
            + server.exitValue() + ":\n" + tail());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(500);
      }
    }
    throw new IllegalStateException("no Spark Connect server on port " + port + " after "
        + seconds + " s:\n" + tail());
  }

  private static String tail() throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (spark != null) {
      spark.close();
    }
    if (server != null) {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  @Test
  void sqlOverConnectGivesTheVectorsOfEmbed() throws Exception {
    assertThat(spark.version()).isEqualTo(System.getProperty("model2vec.sparkVersion"));
    List<String> texts = Fixtures.fortuneTexts(50);
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < texts.size(); i++) {
      values.append(i == 0 ? "" : ", ").append("(").append(i).append(", '")
          .append(texts.get(i).replace("\\", "\\\\").replace("'", "\\'")).append("')");
    }
    values.append(", (").append(texts.size()).append(", CAST(NULL AS STRING))");
    Dataset<Row> df = spark.sql("SELECT id, embed(text), embed(text, 'small') FROM VALUES "
        + values + " AS docs(id, text) ORDER BY id");
    assertThat(df.columns()).containsExactly("id", "embed(text)", "embed(text, 'small')");
    List<Row> rows = df.collectAsList();
    try (StaticModel q = StaticModel.load(QUANTIZED);
        StaticModel small = StaticModel.load(FLOAT32, LoadOptions.builder().normalize(false).build())) {
      for (int i = 0; i < texts.size(); i++) {
        assertThat(vector(rows.get(i), 1)).as("row %d", i).containsExactly(q.encode(texts.get(i)));
        assertThat(vector(rows.get(i), 2)).as("row %d", i).containsExactly(small.encode(texts.get(i)));
      }
    }
    assertThat(rows.get(texts.size()).isNullAt(1)).isTrue();
  }

  @Test
  void dataFrameCallFunctionOverConnect() throws Exception {
    List<String> texts = Fixtures.fortuneTexts(20);
    List<Row> input = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      input.add(RowFactory.create((long) i, texts.get(i)));
    }
    input.add(RowFactory.create(999L, null));
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType, true);
    Dataset<Row> df = spark.createDataFrame(input, schema)
        .select(col("id"), call_function("embed", col("text")),
            call_function("embed", col("text"), lit("small")))
        .orderBy("id");
    assertThat(df.schema().apply(1).dataType())
        .isEqualTo(DataTypes.createArrayType(DataTypes.FloatType, false));
    List<Row> rows = df.collectAsList();
    try (StaticModel q = StaticModel.load(QUANTIZED);
        StaticModel small = StaticModel.load(FLOAT32, LoadOptions.builder().normalize(false).build())) {
      for (int i = 0; i < texts.size(); i++) {
        assertThat(vector(rows.get(i), 1)).as("row %d", i).containsExactly(q.encode(texts.get(i)));
        assertThat(vector(rows.get(i), 2)).as("row %d", i).containsExactly(small.encode(texts.get(i)));
      }
    }
    assertThat(rows.get(texts.size()).isNullAt(1)).isTrue();
  }

  private static float[] vector(Row row, int field) {
    if (row.isNullAt(field)) {
      return null;
    }
    List<Object> values = row.getList(field);
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = ((Number) values.get(i)).floatValue();
    }
    return v;
  }
}
