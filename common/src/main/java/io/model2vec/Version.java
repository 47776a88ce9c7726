package io.model2vec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of model2vec-jvm, as the build wrote it: what {@code bin/model2vec --version}, the
 * jobs and the hub client's User-Agent print, so that a release never shows another number.
 */
public final class Version {
  static final String RESOURCE = "version.properties";
  private static final String CURRENT = read();

  private Version() {}

  /**
   * The version of this library, e.g. {@code 0.1.0} (the Maven project version it was built as).
   *
   * @return the version, never empty
   */
  public static String current() {
    return CURRENT;
  }

  /** The hub client's User-Agent: this library's and the JVM's versions. */
  static String userAgent() {
    return "model2vec-jvm/" + CURRENT + "; java/" + System.getProperty("java.version");
  }

  private static String read() {
    // A missing or unfiltered file means a broken build, not a runtime condition: fail loudly.
    try (InputStream in = Version.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "io/model2vec/" + RESOURCE + " is missing from the classpath");
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "");
      if (v.isEmpty() || v.contains("${")) {
        throw new IllegalStateException(
            "io/model2vec/" + RESOURCE + ": version is not set by the build, was '" + v + "'");
      }
      return v;
    } catch (IOException e) {
      throw new UncheckedIOException("io/model2vec/" + RESOURCE + ": cannot be read", e);
    }
  }
}
