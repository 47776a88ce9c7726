package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.StaticModel;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the shaded bundle for Flink's lib/ holds, and that it runs on its own. */
class BundleIT {
  private static Path bundle;
  private static List<String> entries;

  @BeforeAll
  static void open() throws Exception {
    bundle = Paths.get(System.getProperty("bundle.jar", "target/model2vec-flink-bundle.jar"));
    assertThat(bundle).as("the bundle jar (mvn package)").exists();
    try (JarFile jar = new JarFile(bundle.toFile())) {
      entries = jar.stream().map(ZipEntry::getName).toList();
    }
  }

  @Test
  void holdsThisModuleTheCoreDjlAndJnaUnrelocated() {
    assertThat(entries).contains(
        "io/model2vec/flink/EmbeddingMapFunction.class",
        "io/model2vec/flink/EmbedFunction.class",
        "io/model2vec/flink/ModelHost.class",
        "io/model2vec/StaticModel.class",
        "ai/djl/huggingface/tokenizers/HuggingFaceTokenizer.class",
        "ai/djl/huggingface/tokenizers/jni/TokenizersLibrary.class",
        "native/lib/linux-x86_64/cpu/libtokenizers.so",
        "model2vec/default-model/model.safetensors",
        "model2vec/default-model/tokenizer.json",
        "com/sun/jna/Native.class",
        "io/model2vec/shaded/com/fasterxml/jackson/databind/ObjectMapper.class",
        "io/model2vec/shaded/com/google/gson/Gson.class",
        "io/model2vec/shaded/com/github/benmanes/caffeine/cache/Caffeine.class");
  }

  @Test
  void theTestsRunOnTheFlinkOfTheirLine() {
    assertThat(org.apache.flink.runtime.util.EnvironmentInformation.getVersion())
        .isEqualTo(System.getProperty("flink.line.version"))
        .startsWith(FlinkTests.LINE.equals("1.20") ? "1.20." : "2.");
  }

  @Test
  void holdsTheModelProviderWhereTheFlinkLineHasCreateModel() {
    if (FlinkTests.hasModelProvider()) {
      assertThat(entries).contains("io/model2vec/flink/Model2VecModelProviderFactory.class",
          "META-INF/services/org.apache.flink.table.factories.Factory");
    } else {
      assertThat(entries).noneMatch(e -> e.contains("ModelProvider"))
          .doesNotContain("META-INF/services/org.apache.flink.table.factories.Factory");
    }
  }

  @Test
  void relocatesJacksonAndGsonAndLeavesOutWhatFlinkProvides() {
    assertThat(entries).noneMatch(e -> e.startsWith("com/fasterxml/"))
        .noneMatch(e -> e.startsWith("com/github/benmanes/"))
        .noneMatch(e -> e.startsWith("com/google/gson/"))
        .noneMatch(e -> e.startsWith("org/slf4j/"))
        .noneMatch(e -> e.startsWith("org/apache/flink/"))
        .noneMatch(e -> e.startsWith("org/apache/commons/"))
        .noneMatch(e -> e.startsWith("META-INF/versions/"))
        .noneMatch(e -> e.endsWith("module-info.class"))
        .noneMatch(e -> e.endsWith(".SF") || e.endsWith(".RSA") || e.endsWith(".DSA"));
  }

  @Test
  void mergesServiceFiles() throws Exception {
    try (JarFile jar = new JarFile(bundle.toFile())) {
      if (FlinkTests.hasModelProvider()) {
        assertThat(read(jar, "META-INF/services/org.apache.flink.table.factories.Factory"))
            .contains("io.model2vec.flink.Model2VecModelProviderFactory");
      }
      assertThat(read(jar, "META-INF/services/io.model2vec.shaded.com.fasterxml.jackson.core.JsonFactory"))
          .contains("io.model2vec.shaded.com.fasterxml.jackson.core.JsonFactory");
      assertThat(read(jar, "META-INF/services/ai.djl.engine.EngineProvider"))
          .contains("ai.djl.engine.rust.RsEngineProvider");
      assertThat(jar.getEntry("META-INF/services/com.fasterxml.jackson.core.JsonFactory")).isNull();
    }
  }

  @Test
  void encodesInAJvmWithOnlyTheBundleAndSlf4j() throws Exception {
    String model = FlinkTests.modelPath("test-model-vocab-quantized");
    String slf4j = Paths.get(org.slf4j.LoggerFactory.class.getProtectionDomain().getCodeSource()
        .getLocation().toURI()).toString();
    String testClasses = Paths.get(BundleSmokeMain.class.getProtectionDomain().getCodeSource()
        .getLocation().toURI()).toString();
    // the native library must load from the bundle: forced, as this model's Unigram tokenizer
    // would otherwise run in Java
    Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dmodel2vec.tokenizer=native", "-cp", String.join(File.pathSeparator, bundle.toString(), slf4j, testClasses),
        BundleSmokeMain.class.getName(), model, "hello bundled world")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    StringBuilder expected = new StringBuilder("vector=");
    try (StaticModel core = StaticModel.load(model)) {
      for (float x : core.encode("hello bundled world")) {
        expected.append(Float.floatToRawIntBits(x)).append(',');
      }
    }
    assertThat(out).contains("jackson-relocated").contains(expected.toString())
        .contains("tokenizer=native");
  }

  private static String read(JarFile jar, String name) throws Exception {
    ZipEntry e = jar.getEntry(name);
    assertThat(e).as(name).isNotNull();
    return new String(jar.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
  }
}
