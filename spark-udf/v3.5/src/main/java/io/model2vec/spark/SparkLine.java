package io.model2vec.spark;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;

/**
 * What differs between the Spark lines, Spark 3.5 here (../spark-4 has the 4.x twin): the session
 * is one concrete class, and a classic session's artifacts belong to the application, not to
 * the session.
 */
final class SparkLine {
  /** The line, as users name it ({@code --spark 3.5}). */
  static final String NAME = "3.5";

  private SparkLine() {}

  static FunctionRegistry functionRegistry(SparkSession session) {
    return session.sessionState().functionRegistry();
  }

  /** One scope per application: an archive added once serves every session. */
  static String artifactScope(SparkSession session) {
    return "application";
  }

  /** Adds {@code archive} to the application, unpacked on every executor. */
  static void addArchive(SparkSession session, String archive) {
    session.sparkContext().addArchive(archive);
  }
}
