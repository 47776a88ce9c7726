package io.model2vec.spark.jobs;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** The options every Spark job of {@code bin/} takes, and how they build the session. */
final class SparkJobOptions {
  @Option(names = "--model", paramLabel = "M",
      description = "Model folder, Hadoop path (hdfs://, s3a://, file://) or HuggingFace hub id "
          + "(default: the built-in model distilled from bge-small-en-v1.5).")
  String model;

  @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]",
      description = "Spark master (default: ${DEFAULT-VALUE}; under spark-submit, its own wins).")
  String master;

  @Option(names = {"--text-field", "--text-column"}, paramLabel = "NAME", defaultValue = "text",
      description = "Column holding the text (default: ${DEFAULT-VALUE}).")
  String textColumn;

  /**
   * A session on {@code --master} (a {@code spark.master} system property, as spark-submit sets
   * it, wins). In local mode everything binds to 127.0.0.1: a laptop's or CI machine's hostname
   * may resolve to an address that is not meant to receive traffic.
   */
  SparkSession.Builder session(String appName) {
    String m = System.getProperty("spark.master", master);
    SparkSession.Builder b = SparkSession.builder().appName(appName).master(m);
    if (m.startsWith("local")) {
      b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
    }
    return b;
  }
}
