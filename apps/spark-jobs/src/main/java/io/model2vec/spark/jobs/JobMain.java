package io.model2vec.spark.jobs;

import io.model2vec.app.Commands;
import picocli.CommandLine;

/**
 * How a Spark job of {@code bin/} ends: the rules of every {@code bin/} command
 * ({@link Commands#execute}): exit 0, 1 with one line on stderr naming what failed (no Spark
 * stack trace: {@code JAVA_OPTS=-Dmodel2vec.debug=true} adds it), 2 for a usage error.
 */
final class JobMain {
  private JobMain() {}

  static void run(Object job, String[] args) {
    System.exit(Commands.execute(new CommandLine(job), JobMain::message, args));
  }

  /**
   * The message of what failed: a Spark job that failed in a task reports it wrapped ("Job
   * aborted due to stage failure: ..." with the task's whole trace); the task's own exception
   * says what was wrong. Its first line only, without Spark's SQLSTATE suffix.
   */
  static String message(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t
        && (t.getMessage() == null || t instanceof org.apache.spark.SparkException
            || t instanceof java.util.concurrent.ExecutionException)) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    m = (nl < 0 ? m : m.substring(0, nl)).strip();
    return m.replaceFirst("\\s*SQLSTATE: [0-9A-Z]{5}\\.?$", "");
  }
}
