package io.model2vec.spark.jobs;

import io.model2vec.Settings;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * The Spark options every Spark job of {@code bin/} takes, and how they build the session (the
 * model options are {@link io.model2vec.app.ModelOptions}, as in every command).
 */
final class SparkJobOptions {
  @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]",
      description = "Spark master (default: ${DEFAULT-VALUE}; under spark-submit, its own wins).")
  String master;

  /** {@code --spark}: read by bin/launch to pick the line's jars, checked again by the job. */
  static final String LINE_DEFAULT = "${env:MODEL2VEC_SPARK_LINE:-4}";
  static final String LINE_HELP = "Spark line to run on: 4 (Spark 4.2) or 3.5 (Spark 3.5.9); "
      + "bin/ scripts then use that line's jars (default: ${DEFAULT-VALUE}; environment: "
      + "MODEL2VEC_SPARK_LINE).";

  @Option(names = "--spark", paramLabel = "LINE", defaultValue = LINE_DEFAULT, description = LINE_HELP)
  String sparkLine;

  @Option(names = {"--text-field", "--text-column"}, paramLabel = "NAME", defaultValue = "text",
      description = "Column holding the text (default: ${DEFAULT-VALUE}).")
  String textColumn;

  /**
   * A session on {@code --master} (a {@code spark.master} system property, as spark-submit sets
   * it, wins). In local mode everything binds to 127.0.0.1: a laptop's or CI machine's hostname
   * may resolve to an address that is not meant to receive traffic.
   */
  SparkSession.Builder session(String appName) {
    checkLine(sparkLine, org.apache.spark.package$.MODULE$.SPARK_VERSION());
    String m = Settings.SPARK_MASTER.orElse(master);
    SparkSession.Builder b = SparkSession.builder().appName(appName).master(m);
    if (m.startsWith("local")) {
      b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
    }
    return b;
  }

  /**
   * Fails unless the Spark on the classpath is of the line asked for: bin/launch picks the jars
   * by the same flag, so a mismatch means the job was started some other way.
   */
  static void checkLine(String line, String sparkVersion) {
    if (!line.equals("4") && !line.equals("3.5")) {
      throw new IllegalArgumentException("--spark must be 4 or 3.5, was '" + line + "'");
    }
    if (!sparkVersion.startsWith(line + ".")) {
      throw new IllegalArgumentException("--spark " + line + ": the Spark on this classpath is "
          + sparkVersion + "; start the job through bin/ (bin/launch picks the line's jars)");
    }
  }

  /**
   * Fails before Spark starts when {@code model} can be none: a local path that does not exist
   * and is no HuggingFace repo id (Hadoop URIs and {@code classpath:} folders are checked where
   * they are read). The executors would fail on the first row otherwise, after a stage started.
   */
  static void checkModel(String model) {
    if (model == null || model.startsWith("classpath:") || model.contains("://")) {
      return;
    }
    if (java.nio.file.Files.exists(java.nio.file.Path.of(model))
        || model.matches("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")) {
      return;
    }
    throw new IllegalArgumentException("--model " + model + ": no such folder, and not a "
        + "HuggingFace repo id (like minishlab/potion-base-8M) or a Hadoop path");
  }
}
