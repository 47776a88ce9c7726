package io.model2vec.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Lucene's "your Java version is too old" warning, in a JVM of its own each time (Lucene looks
 * its vectorization up once per JVM): gone once the index code is loaded, there without it.
 */
class LuceneWarningsTest {
  /** Loads the index code first (or not), then makes Lucene look its vectorization up. */
  public static void main(String[] args) throws Exception {
    if (args[0].equals("index")) {
      Class.forName("io.model2vec.index.VectorIndex");
    }
    System.out.println(org.apache.lucene.util.VectorUtil.dotProduct(new float[] {1f, 2f},
        new float[] {3f, 4f}));
  }

  private static String stderrOf(String mode) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(List.of(java, "--add-modules=jdk.incubator.vector", "-cp",
        System.getProperty("java.class.path"), LuceneWarningsTest.class.getName(), mode))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    return err;
  }

  @Test
  void theIndexCodeSilencesLucenesJavaVersionWarning() throws Exception {
    assumeTrue(Runtime.version().feature() < 20, "Lucene warns only below Java 20");
    assertThat(stderrOf("lucene")).as("Lucene alone warns (else this test proves nothing)")
        .contains("your Java version is too old");
    String err = stderrOf("index");
    assertThat(err).doesNotContain("too old").doesNotContain("VectorizationProvider");
  }
}
