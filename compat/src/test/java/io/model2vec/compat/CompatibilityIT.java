package io.model2vec.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.ModelReference;
import io.model2vec.index.Quantization;
import io.model2vec.index.TestIndexes;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bundles' SQL smoke test on every release of {@code compat.spark} and {@code compat.flink}
 * (see this module's pom): the engine's jars, resolved by Maven into a classpath of their own,
 * plus the bundle of its line, in a fresh JVM, running {@link #CHECKS}.
 *
 * <p>Flink 2.0.x is left out: it is no supported line (its planner also fails on {@code UNNEST}
 * of a constant table function, fixed in 2.1).
 */
class CompatibilityIT {
  /**
   * What each release must do: a name, the Spark SQL, the Flink SQL, the first column of the
   * first row. One list for both engines. In the
   * text, {@code INDEX} stands for the index folder. (Spark's arrays count from 0, Flink's from 1.)
   */
  static final List<String[]> CHECKS = List.of(
      new String[] {"embed",
          "SELECT size(embed('the night train'))",
          "SELECT CARDINALITY(embed('the night train'))", "384"},
      new String[] {"embed NULL",
          "SELECT embed(CAST(NULL AS STRING)) IS NULL",
          "SELECT embed(CAST(NULL AS STRING)) IS NULL", "true"},
      new String[] {"nearest",
          "SELECT nearest('the night train', 'INDEX', 2)[0].id",
          "SELECT nearest('the night train', 'INDEX', 2)[1].id", "2"},
      new String[] {"nearest k",
          "SELECT size(nearest('snow across the hills', 'INDEX', 3))",
          "SELECT CARDINALITY(nearest('snow across the hills', 'INDEX', 3))", "3"},
      new String[] {"classify",
          "SELECT classify('Der Krug geht solange zum Mund, bis man bricht.')",
          "SELECT classify('Der Krug geht solange zum Mund, bis man bricht.')", "de"},
      new String[] {"classify_proba",
          "SELECT classify_proba('Der Krug geht solange zum Mund, bis man bricht.')['de'] > 0.6",
          "SELECT classify_proba('Der Krug geht solange zum Mund, bis man bricht.')['de'] > 0.6",
          "true"});

  /** What Flink needs to declare the functions (Spark's come with the extension). */
  static final List<String> FLINK_SETUP = List.of(
      "CREATE TEMPORARY FUNCTION embed AS 'io.model2vec.flink.EmbedFunction'",
      "CREATE TEMPORARY FUNCTION nearest AS 'io.model2vec.flink.index.NearestFunction'",
      "SET model2vec.pipeline=PIPELINE",
      "CREATE TEMPORARY FUNCTION classify AS 'io.model2vec.flink.ClassifyFunction'",
      "CREATE TEMPORARY FUNCTION classify_proba AS 'io.model2vec.flink.ClassifyProbaFunction'");

  private static final Pattern RESULT = Pattern.compile("^RESULT (\\d+): (.*)$", Pattern.MULTILINE);
  private static final Path WORK = Paths.get(System.getProperty("compat.work", "target/compat"));
  private static Path index;
  private static Path pipeline;

  @BeforeAll
  static void buildIndex() throws Exception {
    index = WORK.resolve("index");
    if (!Files.exists(index.resolve("manifest.json"))) {
      TestIndexes.build(index, ModelReference.defaultModel(), List.of("a forgotten song",
          "letters nobody read", "the night train", "snow across the hills",
          "the lights of the city"), 1, Quantization.NONE);
    }
  }

  /**
   * A classifier folder as Python's save_pretrained writes it: the fixtures' test model and the
   * binary logistic-regression head (German vs English) beside it.
   */
  @BeforeAll
  static void buildPipeline() throws Exception {
    Path testdata = Paths.get("").toAbsolutePath();
    while (!Files.isDirectory(testdata.resolve("testdata/fixtures"))) {
      testdata = testdata.getParent();
      assertThat(testdata).as("testdata/ above the working directory").isNotNull();
    }
    testdata = testdata.resolve("testdata/fixtures");
    pipeline = Files.createDirectories(WORK.resolve("pipeline")).toAbsolutePath();
    try (Stream<Path> files = Files.list(testdata.resolve("model2vec-rs/test-model-float32"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, pipeline.resolve(f.getFileName().toString()),
            StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Files.copy(testdata.resolve("pipelines/logreg-binary/pipeline.skops"),
        pipeline.resolve("pipeline.skops"), StandardCopyOption.REPLACE_EXISTING);
  }

  static Stream<Arguments> releases() {
    List<Arguments> all = new ArrayList<>();
    for (String v : System.getProperty("compat.spark", "").split(",")) {
      if (!v.isBlank()) {
        all.add(Arguments.of("spark", v.strip()));
      }
    }
    for (String v : System.getProperty("compat.flink", "").split(",")) {
      if (!v.isBlank()) {
        all.add(Arguments.of("flink", v.strip()));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("releases")
  void embedAndNearestRunOnTheRelease(String engine, String version) throws Exception {
    long start = System.nanoTime();
    String line = engine.equals("spark") ? (version.startsWith("3.") ? "3.5" : "4")
        : (version.startsWith("1.") ? "1.20" : "2");
    Path bundle = Paths.get(System.getProperty("compat.bundle." + engine + "-" + line));
    assertThat(bundle).as("the %s %s bundle (mvn package)", engine, line).isRegularFile();
    String classpath = resolve(engine, version);

    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(Arrays.asList(System.getProperty("jvm.add-opens", "").split(" +")));
    cmd.removeIf(String::isEmpty);
    cmd.add("-Dspark.model2vec.pipeline=" + pipeline); // SparkConf reads spark.* properties
    cmd.add("-cp");
    cmd.add(String.join(File.pathSeparator, classpath, bundle.toString(),
        Paths.get(SqlSmokeMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString()));
    cmd.add(SqlSmokeMain.class.getName());
    cmd.add(engine);
    if (engine.equals("flink")) {
      for (String sql : FLINK_SETUP) {
        cmd.add(sql.replace("PIPELINE", pipeline.toString()));
      }
    }
    for (String[] c : CHECKS) {
      cmd.add((engine.equals("spark") ? c[1] : c[2]).replace("INDEX", index.toString()));
    }
    Path log = WORK.resolve(engine + "-" + version + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    assertThat(p.waitFor(600, TimeUnit.SECONDS)).as("%s %s finished", engine, version).isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(engine + " " + version + ":\n" + out).isZero();
    List<String> results = new ArrayList<>();
    Matcher m = RESULT.matcher(out);
    while (m.find()) {
      results.add(m.group(2).strip());
    }
    assertThat(results).as(engine + " " + version + ":\n" + out).hasSize(CHECKS.size());
    for (int i = 0; i < CHECKS.size(); i++) {
      assertThat(results.get(i)).as("%s %s: %s", engine, version, CHECKS.get(i)[0])
          .isEqualTo(CHECKS.get(i)[3]);
    }
    System.out.printf("compat: %s %s passed in %.0f s%n", engine, version,
        (System.nanoTime() - start) / 1e9);
  }

  /** The release's jars: a pom of its own, resolved by Maven (cached in the work folder). */
  private static String resolve(String engine, String version) throws Exception {
    Path dir = Files.createDirectories(WORK.resolve(engine + "-" + version));
    Path cp = dir.resolve("classpath.txt");
    if (Files.exists(cp)) {
      return Files.readString(cp).strip();
    }
    StringBuilder deps = new StringBuilder();
    if (engine.equals("spark")) {
      deps.append(dep("org.apache.spark", "spark-sql_2.13", version));
    } else {
      for (String a : new String[] {"flink-table-api-java-bridge", "flink-table-planner-loader",
          "flink-table-runtime", "flink-clients", "flink-connector-files"}) {
        deps.append(dep("org.apache.flink", a, version));
      }
      deps.append(dep("org.apache.logging.log4j", "log4j-slf4j2-impl", "2.25.3"));
    }
    Files.writeString(dir.resolve("pom.xml"), "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">"
        + "<modelVersion>4.0.0</modelVersion><groupId>io.model2vec.compat</groupId>"
        + "<artifactId>" + engine + "</artifactId><version>" + version + "</version>"
        + "<dependencies>" + deps + "</dependencies></project>\n");
    List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-q", "-Dstyle.color=never",
        "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
        "-Dmdep.outputFile=" + cp, "-Dmdep.includeScope=runtime"));
    if (Boolean.parseBoolean(System.getProperty("compat.offline", "false"))) {
      mvn.add("-o");
    }
    Process p = new ProcessBuilder(mvn).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("mvn.log").toFile()).start();
    assertThat(p.waitFor(1200, TimeUnit.SECONDS)).as("resolving %s %s", engine, version).isTrue();
    assertThat(p.exitValue()).as("resolving %s %s:\n%s", engine, version,
        Files.readString(dir.resolve("mvn.log"))).isZero();
    return Files.readString(cp).strip();
  }

  private static String dep(String group, String artifact, String version) {
    return "<dependency><groupId>" + group + "</groupId><artifactId>" + artifact
        + "</artifactId><version>" + version + "</version></dependency>";
  }
}
