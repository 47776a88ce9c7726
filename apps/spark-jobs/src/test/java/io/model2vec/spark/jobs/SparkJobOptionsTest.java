package io.model2vec.spark.jobs;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** --spark names a line the job checks against the Spark it runs on. */
class SparkJobOptionsTest {
  @Test
  void theLineMustBeKnownAndMatchTheSparkOnTheClasspath() {
    assertThatCode(() -> SparkJobOptions.checkLine("4",
        org.apache.spark.package$.MODULE$.SPARK_VERSION())).doesNotThrowAnyException();
    assertThatCode(() -> SparkJobOptions.checkLine("3.5", "3.5.9")).doesNotThrowAnyException();
    assertThatThrownBy(() -> SparkJobOptions.checkLine("3.5", "4.2.0"))
        .hasMessage("--spark 3.5: the Spark on this classpath is 4.2.0; start the job through "
            + "bin/ (bin/launch picks the line's jars)");
    assertThatThrownBy(() -> SparkJobOptions.checkLine("3", "3.5.9"))
        .hasMessage("--spark must be 4 or 3.5, was '3'");
  }
}
