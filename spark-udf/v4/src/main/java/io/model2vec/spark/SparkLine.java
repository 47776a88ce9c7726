package io.model2vec.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;

/**
 * What differs between the Spark lines, Spark 4.x here (../spark-3.5 has the 3.5 twin): the
 * session API is {@code sql-api}'s abstract {@code SparkSession}, its internals are those of
 * {@code org.apache.spark.sql.classic.SparkSession}, and artifacts are isolated per session.
 */
final class SparkLine {
  /** The line, as users name it ({@code --spark 4}). */
  static final String NAME = "4";

  private SparkLine() {}

  static FunctionRegistry functionRegistry(SparkSession session) {
    return classic(session).sessionState().functionRegistry();
  }

  /**
   * Which session an added archive belongs to: Spark 4 isolates artifacts per session, so each
   * session that uses a shipped model adds the archive itself.
   */
  static String artifactScope(SparkSession session) {
    return classic(session).sessionUUID();
  }

  /** Adds {@code archive} as an artifact of {@code session}, unpacked on every executor. */
  static void addArchive(SparkSession session, String archive) {
    classic(session).artifactManager().withResources(() -> {
      session.sparkContext().addArchive(archive);
      return null;
    });
  }

  private static org.apache.spark.sql.classic.SparkSession classic(SparkSession session) {
    if (!(session instanceof org.apache.spark.sql.classic.SparkSession)) {
      throw new IllegalArgumentException("model2vec needs a classic (driver-side) SparkSession, "
          + "got " + session.getClass().getName() + "; with Spark Connect, install the extension "
          + "on the server (spark.sql.extensions=io.model2vec.spark.Model2VecExtensions)");
    }
    return (org.apache.spark.sql.classic.SparkSession) session;
  }
}
