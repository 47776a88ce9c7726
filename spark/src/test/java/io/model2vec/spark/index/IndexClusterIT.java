package io.model2vec.spark.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import io.model2vec.index.VectorIndex;
import io.model2vec.spark.Model2VecSpark;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index builds on a real standalone cluster (as StandaloneClusterIT: Spark's Master and Worker in
 * their own JVMs, two executors of one core each, our code as the bundle jar, Lucene relocated).
 */
class IndexClusterIT {
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
        .appName("model2vec-index-cluster-it")
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
  void aKilledExecutorStillGivesExactlyNRowsEachIdOnce(@TempDir Path out) throws Exception {
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
        .mapPartitions(IndexClusterFunctions.SLOW, Encoders.row(schema));
    Path target = out.resolve("index");
    CompletableFuture<io.model2vec.index.IndexManifest> job = CompletableFuture.supplyAsync(() ->
        Model2VecIndex.writer(slow).model(MODEL, io.model2vec.LoadOptions.defaults())
            .save(target.toString()));
    // kill one executor JVM while the job runs
    Thread.sleep(8000);
    List<ProcessHandle> executors = ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
        .collect(Collectors.toList());
    assertThat(executors).as("executor JVMs").hasSizeGreaterThanOrEqualTo(2);
    assertThat(job).as("the job is still running when an executor dies").isNotDone();
    executors.get(0).destroyForcibly();
    io.model2vec.index.IndexManifest manifest = job.get(5, TimeUnit.MINUTES);
    assertThat(manifest.rows()).isEqualTo(n);
    assertThat(manifest.shards()).hasSize(40);
    try (Stream<Path> files = Files.list(target)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("shard-")))
          .hasSize(40);
    }
    assertThat(target.resolve("_temporary")).doesNotExist();
    try (VectorIndex index = VectorIndex.open(target)) {
      List<VectorIndex.Hit> all = index.exactSearch(new float[index.dimensions()], n + 1);
      assertThat(all).hasSize(n);
      assertThat(all.stream().map(VectorIndex.Hit::id).distinct().count()).isEqualTo(n);
    }
    // nearest() on the executors, with the bundle's relocated Lucene
    spark.createDataFrame(input.subList(0, 200), schema).repartition(4).createOrReplaceTempView("q");
    List<Row> hits = spark.sql("SELECT text, nearest(text, '" + target + "', 2) FROM q")
        .collectAsList();
    assertThat(hits).hasSize(200);
    for (Row r : hits) {
      assertThat(r.<Row>getList(1).get(0).getString(2)).isEqualTo(r.getString(0));
    }
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
