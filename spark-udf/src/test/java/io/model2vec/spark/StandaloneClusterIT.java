package io.model2vec.spark;

import static io.model2vec.spark.SparkTestSupport.vector;
import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.LocalHub;
import io.model2vec.StaticModel;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.VectorIndex;
import io.model2vec.spark.index.Model2VecIndex;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on 127.0.0.1: Spark's own Master and Worker classes in their own
 * JVMs, SPARK_HOME/jars assembled from the Maven classpath, two executor JVMs of one core each,
 * and our code shipped as the bundle jar, as users submit it. The tests that kill an executor run
 * last, each after the master has replaced the executor the previous one killed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  /** Kept when a test fails: master, worker and executor logs are under it. */
  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  static Path home;

  private static Process master;
  private static Process worker;
  private static SparkSession spark;
  private static final String MODEL = Fixtures.model("test-model-vocab-quantized").toString();

  @BeforeAll
  static void startCluster() throws Exception {
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Paths.get(entry);
      // Spark and its dependencies only; our code reaches executors through spark.jars.
      if (entry.endsWith(".jar") && !entry.contains("model2vec") && Files.isRegularFile(p)) {
        Files.createSymbolicLink(jars.resolve(p.getFileName()), p);
      }
    }
    Files.writeString(home.resolve("RELEASE"), "Spark for model2vec tests\n");
    int port = freePort();
    String cp = jars + "/*";
    String opens = System.getProperty("model2vec.addOpens", String.join(" ",
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(a -> a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognized"))
            .collect(Collectors.toList())));
    master = start("master", List.of("java", "-Xmx512m", "-cp", cp,
        "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
        Integer.toString(port), "--webui-port", Integer.toString(freePort())));
    waitForPort(port);
    worker = start("worker", List.of("java", "-Xmx512m", "-cp", cp,
        "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2",
        "--memory", "2g", "--webui-port", Integer.toString(freePort()),
        "spark://127.0.0.1:" + port));
    spark = SparkSession.builder()
        .master("spark://127.0.0.1:" + port)
        .appName("model2vec-cluster-it")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.executor.cores", "1")
        .config("spark.cores.max", "2")
        .config("spark.executor.memory", "768m")
        .config("spark.executor.extraJavaOptions", opens)
        .config("spark.ui.enabled", "false")
        .config("spark.task.maxFailures", "8")
        .config("spark.jars", System.getProperty("model2vec.bundle") + "," + testClassesJar())
        .getOrCreate();
    Model2VecSpark.register(spark, MODEL);
    // wait for both executors
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (spark.sparkContext().getExecutorMemoryStatus().size() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    assertThat(spark.sparkContext().getExecutorMemoryStatus().size()).as("driver + 2 executors").isEqualTo(3);
  }

  @AfterAll
  static void stopCluster() {
    if (spark != null) {
      spark.stop();
    }
    Stream.of(worker, master).filter(p -> p != null).forEach(p -> {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    });
  }

  @Test
  @Order(1) // first: it counts the models each executor JVM has loaded
  void vectorsEqualTheCoreAndEachExecutorLoadsTheModelOnce() throws Exception {
    List<String> texts = Fixtures.fortuneTexts(2000);
    Dataset<String> ds = spark.createDataset(texts, Encoders.STRING()).repartition(24);
    ds.createOrReplaceTempView("texts");
    List<Row> rows = spark.sql("SELECT value, embed(value) FROM texts").collectAsList();
    assertThat(rows).hasSize(texts.size());
    try (StaticModel core = StaticModel.load(MODEL)) {
      for (Row r : rows) {
        assertThat(vector(r, 1)).containsExactly(core.encode(r.getString(0)));
      }
    }
    // a second query, then ask every executor how many models its JVM loaded
    spark.sql("SELECT embed(value) FROM texts").collectAsList();
    List<String> loads = spark.range(0, 400, 1, 40)
        .mapPartitions(ClusterFunctions.LOADS_PER_EXECUTOR, Encoders.STRING())
        .distinct().collectAsList();
    Map<String, Long> byExecutor = loads.stream().collect(Collectors.toMap(
        s -> s.split("=")[0], s -> Long.parseLong(s.split("=")[1]), Math::max));
    assertThat(byExecutor).as("both executors ran tasks").hasSize(2);
    assertThat(byExecutor.values()).as("models loaded per executor JVM").containsOnly(1L);
  }

  @Test
  @Order(2)
  void aHubModelIsDownloadedByTheDriverAndReachesTheExecutors(@TempDir Path cache) throws Exception {
    List<String> texts = Fixtures.fortuneTexts(300);
    try (LocalHub hub = LocalHub.serve(Map.of("minishlab/test-float32",
        Fixtures.model("test-model-float32")), cache)) {
      Model2VecSpark.registerModel(spark, "hub", "minishlab/test-float32", LoadOptions.defaults());
      spark.createDataset(texts, Encoders.STRING()).repartition(6).createOrReplaceTempView("hubtexts");
      List<Row> rows = spark.sql("SELECT value, embed(value, 'hub') FROM hubtexts").collectAsList();
      assertThat(rows).hasSize(texts.size());
      try (StaticModel core = StaticModel.load(Fixtures.model("test-model-float32"))) {
        for (Row r : rows) {
          assertThat(vector(r, 1)).containsExactly(core.encode(r.getString(0)));
        }
      }
      // the driver downloaded into the HuggingFace cache (snapshots link to blobs) ...
      assertThat(cache.resolve("models--minishlab--test-float32/snapshots")).isDirectory();
      // ... once: the executors never asked the hub
      assertThat(hub.requests().stream().filter(r -> r.endsWith("model.safetensors")).count())
          .isLessThanOrEqualTo(2); // a resolve and its CDN redirect
    }
  }

  @Test
  @Order(100)
  void aKilledExecutorLosesNoRowAndDuplicatesNone(@TempDir Path out) throws Exception {
    int n = 4000;
    List<String> texts = Fixtures.fortuneTexts(n);
    List<Row> input = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      input.add(org.apache.spark.sql.RowFactory.create((long) i, texts.get(i)));
    }
    var schema = new org.apache.spark.sql.types.StructType()
        .add("id", org.apache.spark.sql.types.DataTypes.LongType, false)
        .add("text", org.apache.spark.sql.types.DataTypes.StringType, true);
    Dataset<Row> slow = spark.createDataFrame(input, schema).repartition(40)
        .mapPartitions(ClusterFunctions.SLOW, Encoders.row(schema))
        .withColumn("embedding", Model2VecSpark.embed(org.apache.spark.sql.functions.col("text")));
    String target = out.resolve("embedded").toString();
    CompletableFuture<Void> job = CompletableFuture.runAsync(() -> slow.write().parquet(target));
    killAnExecutorWhileItRuns(job);
    job.get(5, TimeUnit.MINUTES);
    Dataset<Row> written = spark.read().parquet(target);
    assertThat(written.count()).isEqualTo(n);
    assertThat(written.select("id").distinct().count()).isEqualTo(n);
    assertThat(written.where("embedding IS NULL AND text IS NOT NULL").count()).isZero();
  }

  @Test
  @Order(101)
  void anHnswIndexBuildWithAKilledExecutorHasExactlyNRowsEachIdOnce(@TempDir Path out)
      throws Exception {
    indexBuildWithAKilledExecutor(out, true);
  }

  @Test
  @Order(102)
  void anIvfIndexBuildWithAKilledExecutorHasExactlyNRowsEachIdOnce(@TempDir Path out)
      throws Exception {
    indexBuildWithAKilledExecutor(out, false);
  }

  private void indexBuildWithAKilledExecutor(Path out, boolean hnsw) throws Exception {
    int n = 4000;
    List<String> texts = Fixtures.fortuneTexts(n);
    List<Row> input = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      input.add(org.apache.spark.sql.RowFactory.create((long) i, texts.get(i)));
    }
    var schema = new org.apache.spark.sql.types.StructType()
        .add("id", org.apache.spark.sql.types.DataTypes.LongType, false)
        .add("text", org.apache.spark.sql.types.DataTypes.StringType, true);
    Dataset<Row> slow = spark.createDataFrame(input, schema).repartition(40)
        .mapPartitions(ClusterFunctions.SLOW, Encoders.row(schema));
    Path target = out.resolve("index");
    CompletableFuture<IndexManifest> job = CompletableFuture.supplyAsync(() ->
        Model2VecIndex.writer(slow).model(MODEL, LoadOptions.defaults()).hnsw(hnsw)
            .save(target.toString()));
    killAnExecutorWhileItRuns(job);
    IndexManifest manifest = job.get(5, TimeUnit.MINUTES);
    assertThat(manifest.rows()).isEqualTo(n);
    if (hnsw) {
      assertThat(manifest.shards()).hasSize(40);
      try (Stream<Path> files = Files.list(target)) {
        assertThat(files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("shard-")))
            .hasSize(40);
      }
    }
    assertThat(target.resolve("_temporary")).doesNotExist();
    try (VectorIndex index = VectorIndex.open(target)) {
      List<VectorIndex.Hit> all = index.exactSearch(new float[index.dimensions()], n + 1);
      assertThat(all).hasSize(n);
      assertThat(all.stream().map(VectorIndex.Hit::id).distinct().count()).isEqualTo(n);
    }
    // nearest() on the executors (HNSW: with the bundle's relocated Lucene)
    spark.createDataFrame(input.subList(0, 200), schema).repartition(4).createOrReplaceTempView("q");
    List<Row> hits = spark.sql("SELECT text, nearest(text, '" + target + "', 2) FROM q")
        .collectAsList();
    assertThat(hits).hasSize(200);
    for (Row r : hits) {
      assertThat(r.<Row>getList(1).get(0).getString(2)).isEqualTo(r.getString(0));
    }
  }

  /**
   * Waits until two executors run (the master replaces a killed one), lets the job run for a
   * while, then kills one executor JVM while the job is still running.
   */
  private static void killAnExecutorWhileItRuns(CompletableFuture<?> job) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (executorJvms().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    Thread.sleep(8000);
    List<ProcessHandle> executors = executorJvms();
    assertThat(executors).as("executor JVMs").hasSizeGreaterThanOrEqualTo(2);
    assertThat(job).as("the job is still running when an executor dies").isNotDone();
    executors.get(0).destroyForcibly();
  }

  private static List<ProcessHandle> executorJvms() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
        .collect(Collectors.toList());
  }

  private static Process start(String name, List<String> command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(home.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    return pb.start();
  }

  private static String testClassesJar() throws IOException {
    Path classes = Paths.get(System.getProperty("model2vec.testClasses"));
    Path jar = home.resolve("test-classes.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
        Stream<Path> files = Files.walk(classes)) {
      for (Iterator<Path> it = files.filter(Files::isRegularFile).iterator(); it.hasNext(); ) {
        Path f = it.next();
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, (OutputStream) out);
        out.closeEntry();
      }
    }
    return jar.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void waitForPort(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(300);
      }
    }
    throw new IllegalStateException("the master did not open port " + port + "; see "
        + home.resolve("master.log"));
  }
}
