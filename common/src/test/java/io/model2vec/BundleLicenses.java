package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.jar.JarFile;

/**
 * What every engine bundle must carry (reused by the Spark and Flink packaging tests through the
 * test-jar): the project's LICENSE and NOTICE, and the licence files of the libraries it shades
 * (appended, not the first one only).
 */
public final class BundleLicenses {
  private BundleLicenses() {}

  /** The bundle keeps our notice and the shaded libraries' licences. */
  public static void assertBundle(String bundle) throws IOException {
    try (JarFile jar = new JarFile(bundle)) {
      // ours first (the module's own jar is shaded first), then the libraries' appended
      assertThat(read(jar, "META-INF/LICENSE").strip())
          .startsWith("Apache License\n                           Version 2.0, January 2004")
          // JNA's dual licence statement, appended after ours
          .contains("Java Native Access (JNA) is licensed under the LGPL, version 2.1");
      // Lucene's LICENSE.txt, with the notes on the code it derives from
      assertThat(read(jar, "META-INF/LICENSE.txt"))
          .contains("org/apache/lucene/util/UnicodeUtil.java");
      assertThat(read(jar, "META-INF/NOTICE"))
          .contains("Model2Vec for the JVM", "BAAI/bge-small-en-v1.5", "Apache Lucene");
      assertThat(jar.getEntry("META-INF/AL2.0")).isNotNull();
      assertThat(jar.getEntry("META-INF/LGPL2.1")).isNotNull();
      assertThat(jar.getEntry("META-INF/FastDoubleParser-LICENSE")).isNotNull();
    }
  }

  /** The module's own (unshaded) jar carries our LICENSE and NOTICE. */
  public static void assertModuleJar(String jarFile) throws IOException {
    try (JarFile jar = new JarFile(jarFile)) {
      assertThat(read(jar, "META-INF/LICENSE").strip())
          .startsWith("Apache License\n                           Version 2.0, January 2004");
      assertThat(read(jar, "META-INF/NOTICE")).startsWith("Model2Vec for the JVM");
    }
  }

  private static String read(JarFile jar, String name) throws IOException {
    assertThat(jar.getEntry(name)).as(name).isNotNull();
    try (InputStream in = jar.getInputStream(jar.getEntry(name))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
