package io.model2vec.index;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Silences one misleading Lucene warning. Lucene 9.12 vectorizes its own loops only on Java
 * 20-23; on Java 17 with {@code --add-modules=jdk.incubator.vector} (which bin/launch, Spark 4's
 * launcher and our Flink setup pass for the core's F16 pooling) it logs, through
 * java.util.logging, "Java vector incubator module was enabled by command line flags, but your
 * Java version is too old" on the first index build or search in every JVM. This module does its
 * own vector loops there ({@link PanamaDot}), so the warning only alarms users of Spark and Flink.
 * The logger is named, not looked up through a Lucene class: nothing here depends on which
 * Lucene (if any) is on the classpath; errors (SEVERE) still show.
 */
final class LuceneWarnings {
  // java.util.logging keeps loggers weakly: the level holds only as long as this reference
  private static final Logger VECTORIZATION =
      Logger.getLogger("org.apache.lucene.internal.vectorization.VectorizationProvider");

  private LuceneWarnings() {}

  /** Called from the static initializers of the classes that first touch Lucene. */
  static void silence() {
    // a user who configured this logger (a logging.properties) keeps their level
    if (VECTORIZATION.getLevel() == null) {
      VECTORIZATION.setLevel(Level.SEVERE);
    }
  }
}
