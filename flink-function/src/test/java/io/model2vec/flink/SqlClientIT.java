package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.StaticModel;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flink's own SQL client ({@code org.apache.flink.table.client.SqlClient}, embedded mode, {@code -f
 * script.sql}) in a JVM of its own whose classpath is Flink's jars, with the bundle installed as
 * users install it: in {@code lib/} (on the client's classpath) or with {@code ADD JAR}. The model
 * has a BPE tokenizer, which only the native library handles: with {@code ADD JAR} every query
 * runs in a class loader of its own, where the native library used to fail on the second query
 * and the model was loaded again for every query.
 */
class SqlClientIT {
  private static final Pattern ROW = Pattern.compile(
      "\\|\\s*(?:[+\\-][IUD]\\s*\\|\\s*)?(q\\d+)\\s*\\|\\s*(-?\\d+)\\s*\\|\\s*(\\[[^\\]]*\\]|<NULL>)\\s*\\|");
  private static final String LOADED = "Loaded Model2Vec model";
  private static final Map<Integer, String> TEXTS = new LinkedHashMap<>();

  static {
    TEXTS.put(1, "hello world");
    TEXTS.put(2, "Ein zweiter Text, mit Satzzeichen!");
    TEXTS.put(3, "");
  }

  @TempDir
  static Path tmp;

  private static Path bpeModel;
  /** An index of TEXTS 1 and 2 (ids "0", "1"), built with the BPE model. */
  private static Path index;
  private static Path bundle;
  private static Path confDir;
  private static List<String> flinkJars;

  @BeforeAll
  static void setUp() throws Exception {
    bundle = Paths.get(System.getProperty("bundle.jar", "target/model2vec-flink-bundle.jar"));
    assertThat(bundle).as("the bundle jar (mvn package)").exists();
    bpeModel = bpeModel(Paths.get(FlinkTests.modelPath("test-model-float32")), tmp.resolve("bpe"));
    try (StaticModel m = StaticModel.load(bpeModel)) {
      assertThat(m.tokenizerImplementation()).as("a model only the native library tokenizes")
          .isEqualTo("native");
    }
    index = io.model2vec.index.TestIndexes.build(tmp.resolve("idx"),
        io.model2vec.ModelReference.of(bpeModel.toString()), List.of(TEXTS.get(1), TEXTS.get(2)),
        1, io.model2vec.index.Quantization.NONE);
    confDir = Files.createDirectories(tmp.resolve("conf"));
    // a local Flink per query (what the SQL client runs without a cluster)
    Files.writeString(confDir.resolve("config.yaml"), String.join("\n",
        "execution.target: local",
        "parallelism.default: 2",
        "taskmanager.numberOfTaskSlots: 2",
        ""));
    Files.writeString(confDir.resolve("log4j-cli.properties"), String.join("\n",
        "rootLogger.level = warn",
        "rootLogger.appenderRef.err.ref = err",
        "appender.err.type = Console",
        "appender.err.name = err",
        "appender.err.target = SYSTEM_ERR",
        "appender.err.layout.type = PatternLayout",
        "appender.err.layout.pattern = %p %c{1}: %m%n",
        "logger.model2vec.name = io.model2vec",
        "logger.model2vec.level = info",
        ""));
    // Flink's jars (what its lib/ holds, and the SQL client): the test classpath without this
    // project, its libraries and the test frameworks
    flinkJars = Arrays.stream(System.getProperty("surefire.test.class.path",
            System.getProperty("java.class.path")).split(File.pathSeparator))
        .filter(e -> e.endsWith(".jar"))
        .filter(e -> !e.contains("model2vec-") && !e.contains("/ai/djl/")
            && !e.contains("/net/java/dev/jna/") && !e.contains("/com/github/ben-manes/")
            && !e.contains("/com/google/code/gson/") && !e.contains("/org/junit/")
            && !e.contains("/org/assertj/") && !e.contains("/org/opentest4j/")
            && !e.contains("/org/apiguardian/") && !e.contains("/log4j-slf4j-impl/"))
        .collect(Collectors.toList());
  }

  /** A model whose tokenizer.json is BPE over the same vocabulary: only the native path runs it. */
  static Path bpeModel(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    for (String f : new String[] {"model.safetensors", "config.json"}) {
      Files.copy(from.resolve(f), to.resolve(f));
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode tok = (ObjectNode) json.readTree(from.resolve("tokenizer.json").toFile());
    ObjectNode wordPiece = (ObjectNode) tok.get("model");
    ObjectNode bpe = json.createObjectNode();
    bpe.put("type", "BPE");
    bpe.putNull("dropout");
    bpe.put("unk_token", "[UNK]");
    bpe.putNull("continuing_subword_prefix");
    bpe.putNull("end_of_word_suffix");
    bpe.put("fuse_unk", false);
    bpe.put("byte_fallback", false);
    bpe.set("vocab", wordPiece.get("vocab"));
    bpe.putArray("merges");
    tok.set("model", bpe);
    tok.remove("decoder");
    json.writeValue(to.resolve("tokenizer.json").toFile(), tok);
    return to;
  }

  private static String values() {
    return TEXTS.entrySet().stream()
        .map(e -> "(" + e.getKey() + ", '" + e.getValue() + "')")
        .collect(Collectors.joining(", ")) + ", (4, CAST(NULL AS STRING))";
  }

  /** The nearest queries: each one a job of its own, in a class loader of its own with ADD JAR. */
  private static final List<String> NEAREST = List.of("n1", "n2", "n3");
  private static final Pattern NEAREST_ROW = Pattern.compile(
      "\\|\\s*(?:[+\\-][IUD]\\s*\\|\\s*)?(n\\d+)\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\S+)\\s*\\|");

  /**
   * Two embed queries, a constant embed('...') (which the planner must not fold on the client),
   * three nearest queries, then (on a Flink line with CREATE MODEL) CREATE MODEL and two
   * ML_PREDICT queries, in streaming mode.
   */
  private static String script(boolean addJar) {
    List<String> s = new ArrayList<>();
    s.add("SET 'sql-client.execution.result-mode' = 'tableau';");
    s.add("SET 'sql-client.display.max-column-width' = '100000';");
    s.add("SET 'execution.runtime-mode' = 'streaming';");
    if (addJar) {
      s.add("ADD JAR '" + bundle.toAbsolutePath() + "';");
    }
    s.add("SET 'model2vec.model' = '" + bpeModel + "';");
    s.add("CREATE TEMPORARY FUNCTION embed AS 'io.model2vec.flink.EmbedFunction';");
    s.add("CREATE TEMPORARY VIEW docs AS SELECT * FROM (VALUES " + values() + ") AS t(id, text);");
    s.add("SELECT 'q1' AS q, id, embed(text) AS e FROM docs;");
    s.add("SELECT 'q2' AS q, id, embed(text) AS e FROM docs;");
    s.add("SELECT 'q0' AS q, 1 AS id, embed('" + TEXTS.get(1) + "') AS e;");
    s.add("CREATE TEMPORARY FUNCTION nearest AS 'io.model2vec.flink.index.NearestFunction';");
    for (String n : NEAREST) {
      s.add("SELECT '" + n + "' AS q, id, nearest(text, '" + index + "', 1)[1].id AS hit "
          + "FROM docs WHERE id IN (1, 2);");
    }
    if (!FlinkTests.hasModelProvider()) {
      return String.join("\n", s) + "\n";
    }
    s.add("CREATE MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) "
        + "WITH ('provider' = 'model2vec', 'model' = '" + bpeModel + "');");
    s.add("SELECT 'q3' AS q, id, embedding FROM ML_PREDICT(TABLE docs, MODEL embedder, "
        + "DESCRIPTOR(text));");
    s.add("SELECT 'q4' AS q, id, embedding FROM ML_PREDICT(TABLE docs, MODEL embedder, "
        + "DESCRIPTOR(text));");
    return String.join("\n", s) + "\n";
  }

  private record Run(String out, String err, int exit) {}

  private static Run sqlClient(String name, boolean bundleInLib, String script) throws Exception {
    Path file = tmp.resolve(name + ".sql");
    Files.writeString(file, script);
    List<String> cp = new ArrayList<>(flinkJars);
    if (bundleInLib) {
      cp.add(bundle.toAbsolutePath().toString());
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(Arrays.asList(System.getProperty("jvm.add-opens", "").split(" +")));
    cmd.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j-cli.properties").toUri());
    cmd.add("-Djava.io.tmpdir=" + Files.createDirectories(tmp.resolve(name + "-tmp")));
    cmd.add("-cp");
    cmd.add(String.join(File.pathSeparator, cp));
    cmd.add("org.apache.flink.table.client.SqlClient");
    cmd.add("-f");
    cmd.add(file.toString());
    cmd.add("-hist");
    cmd.add(tmp.resolve(name + ".history").toString());
    cmd.removeIf(String::isEmpty);
    Path out = tmp.resolve(name + ".out");
    Path err = tmp.resolve(name + ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("FLINK_CONF_DIR", confDir.toString());
    Process p = pb.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the SQL client did not finish in 300 s:\n" + Files.readString(out)
          + "\n" + Files.readString(err));
    }
    return new Run(Files.readString(out), Files.readString(err), p.exitValue());
  }

  /** The vectors printed for each query: q -> id -> vector (null for NULL). */
  private static Map<String, Map<Integer, float[]>> rows(String out) {
    Map<String, Map<Integer, float[]>> byQuery = new HashMap<>();
    Matcher m = ROW.matcher(out);
    while (m.find()) {
      float[] v = null;
      if (!m.group(3).equals("<NULL>")) {
        String inner = m.group(3).substring(1, m.group(3).length() - 1).trim();
        String[] parts = inner.isEmpty() ? new String[0] : inner.split(",\\s*");
        v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
          v[i] = Float.parseFloat(parts[i]);
        }
      }
      byQuery.computeIfAbsent(m.group(1), k -> new HashMap<>()).put(Integer.parseInt(m.group(2)), v);
    }
    return byQuery;
  }

  private static void assertSession(Run run) throws Exception {
    String all = run.out() + "\n" + run.err();
    assertThat(run.exit()).as(all).isZero();
    assertThat(run.out()).as(all).doesNotContain("[ERROR]");
    assertThat(run.err()).as(all).doesNotContain("UnsatisfiedLinkError");
    // no warning or error of ours, nor any that names a model (Flink's planner used to warn
    // about the function's default model)
    assertThat(run.err().lines().filter(l -> l.startsWith("WARN") || l.startsWith("ERROR")))
        .as(all).noneMatch(l -> l.contains("model2vec") || l.contains("Model2Vec")
            || l.toLowerCase(java.util.Locale.ROOT).contains("model"));
    // a constant embed('...') is not evaluated on the client, where the planner's
    // ExpressionReducer used to log WARN stack traces through our classes, saying that the model
    // was not on the classpath or that FunctionContext.getCachedFile was unavailable (Flink's own
    // WARN traces, of its MiniCluster's shutdown, stay)
    assertThat(run.err().lines()).as(all).noneMatch(l -> l.startsWith("\tat ")
        && (l.contains("io.model2vec") || l.contains("ExpressionReducer")));
    assertThat(run.err()).as(all).doesNotContain("getCachedFile");
    Map<String, Map<Integer, float[]>> rows = rows(run.out());
    Map<Integer, float[]> constant = rows.remove("q0");
    assertThat(constant).as(all).isNotNull().containsOnlyKeys(1);
    if (FlinkTests.hasModelProvider()) {
      assertThat(rows).as(all).containsOnlyKeys("q1", "q2", "q3", "q4");
    } else {
      assertThat(rows).as(all).containsOnlyKeys("q1", "q2");
    }
    Map<String, Map<Integer, String>> nearest = new HashMap<>();
    Matcher n = NEAREST_ROW.matcher(run.out());
    while (n.find()) {
      nearest.computeIfAbsent(n.group(1), k -> new HashMap<>())
          .put(Integer.parseInt(n.group(2)), n.group(3));
    }
    assertThat(nearest).as(all).containsOnlyKeys(NEAREST.toArray(new String[0]));
    for (String q : NEAREST) {
      // each text's nearest row is itself: ids "0" and "1" in the index
      assertThat(nearest.get(q)).as(q).containsEntry(1, "0").containsEntry(2, "1").hasSize(2);
    }
    try (StaticModel core = StaticModel.load(bpeModel)) {
      assertThat(constant.get(1)).as("embed('constant')").containsExactly(core.encode(TEXTS.get(1)));
      for (String q : rows.keySet()) {
        Map<Integer, float[]> byId = rows.get(q);
        assertThat(byId).as(q).containsOnlyKeys(1, 2, 3, 4);
        assertThat(byId.get(4)).as(q + ": NULL text, NULL vector").isNull();
        for (Map.Entry<Integer, String> t : TEXTS.entrySet()) {
          assertThat(byId.get(t.getKey())).as(q + " id " + t.getKey())
              .containsExactly(core.encode(t.getValue()));
        }
      }
    }
    // one model load for the whole session, whatever the number of queries and functions (embed,
    // nearest: the index was built with the same model reference)
    assertThat(occurrences(run.err(), LOADED)).as(run.err()).isEqualTo(1);
  }

  private static int occurrences(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void addJarNativeTokenizerEveryQueryOneLoad() throws Exception {
    Run run = sqlClient("add-jar", false, script(true));
    assertSession(run);
    assertThat(run.err()).contains("models and the native tokenizer library are held for every "
        + "job of this JVM by one class loader");
  }

  @Test
  void bundleInLib() throws Exception {
    Run run = sqlClient("lib", true, script(false));
    assertSession(run);
    assertThat(run.err()).doesNotContain("came with a job");
  }
}
