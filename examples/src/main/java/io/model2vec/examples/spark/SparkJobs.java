package io.model2vec.examples.spark;

import org.apache.spark.sql.SparkSession;

/** What the Spark jobs of {@code bin/} share: how they build their session. */
final class SparkJobs {
  private SparkJobs() {}

  /**
   * A session on {@code master} (a {@code spark.master} system property, as spark-submit sets it,
   * wins). In local mode everything binds to 127.0.0.1: a laptop's or CI machine's hostname may
   * resolve to an address that is not meant to receive traffic.
   */
  static SparkSession.Builder session(String appName, String master) {
    String m = System.getProperty("spark.master", master);
    SparkSession.Builder b = SparkSession.builder().appName(appName).master(m);
    if (m.startsWith("local")) {
      b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
    }
    return b;
  }
}
