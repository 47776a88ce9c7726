package io.model2vec.spark.jobs;

import io.model2vec.app.BadLineOptions;
import io.model2vec.spark.ReplaceableOutput;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The input of {@code spark-embed} and {@code spark-index}, a picocli mixin: its format, and the
 * rules of {@code model2vec encode} for JSON and text lines ({@code --on-error},
 * {@code --max-line-bytes}, {@code --rejects}), so that rows in = rows out + rejected.
 */
final class JobInput {
  @Option(names = "--input", required = true, paramLabel = "IN",
      description = "Input file, folder or glob (local or Hadoop; .gz and other Hadoop codecs "
          + "are read compressed).")
  String input;

  @Option(names = "--input-format", paramLabel = "jsonl|text|parquet", defaultValue = "jsonl",
      description = "Input format (default: ${DEFAULT-VALUE}). jsonl: one JSON object per line; "
          + "text: one text per line; parquet: rows as they are (no line rules).")
  String format;

  // --on-error fail|skip, --max-line-bytes N
  @Mixin
  BadLineOptions badLines;

  @Option(names = "--rejects", paramLabel = "DIR",
      description = "With --on-error skip: a folder of JSON lines, one per bad line: \"file\", "
          + "\"line\", \"reason\" and the line as it was (\"raw\", or \"raw_base64\" for bytes "
          + "that are not UTF-8). Replaced as the output is (--overwrite).")
  String rejects;

  /** What was read: the rows, and the checked lines behind them (null for Parquet). */
  Dataset<Row> rows;
  private StrictInput lines;

  /** Checks the options (usage errors: exit code 2). */
  void check(CommandLine cl) {
    if (!List.of("jsonl", "text", "parquet").contains(format)) {
      throw new CommandLine.ParameterException(cl,
          "--input-format must be jsonl, text or parquet, was '" + format + "'");
    }
    badLines.check(cl, rejects != null);
    if (rejects != null && format.equals("parquet")) {
      throw new CommandLine.ParameterException(cl,
          "--rejects is for jsonl and text input: Parquet rows have no bad lines");
    }
  }

  /**
   * Refuses, before anything runs, an {@code output} or {@code --rejects} folder that is,
   * contains or lies inside the input (or, for the rejects, the output).
   */
  void checkApart(SparkSession spark, String output) {
    ReplaceableOutput.checkApart(spark.sparkContext().hadoopConfiguration(), output,
        List.of(input));
    if (rejects != null) {
      ReplaceableOutput.checkApart(spark.sparkContext().hadoopConfiguration(), rejects,
          List.of(input, output));
    }
  }

  /**
   * Reads the input. With {@code --on-error fail}, the first bad line (in file and line order)
   * fails the job before anything is embedded: {@code input FILE line N: reason}.
   */
  Dataset<Row> read(SparkSession spark, String textColumn) {
    if (format.equals("parquet")) {
      rows = spark.read().parquet(input);
      return rows;
    }
    lines = StrictInput.read(spark, input, format.equals("text"), textColumn,
        badLines.maxLineBytes());
    if (!badLines.skip()) {
      StrictInput.Line first = lines.firstBad();
      if (first != null) {
        throw new IllegalArgumentException("input " + first.file + " line " + first.number + ": "
            + first.reason);
      }
    }
    rows = lines.rows();
    return rows;
  }

  /** Bad lines left out ({@code --on-error skip}). */
  long rejected() {
    return lines == null ? 0 : lines.bad().count();
  }

  /** Writes {@code --rejects}, when given, beside and then in place of an old one. */
  void writeRejects(SparkSession spark, boolean overwrite) {
    if (rejects == null) {
      return;
    }
    try (ReplaceableOutput target = ReplaceableOutput.open(
        spark.sparkContext().hadoopConfiguration(), rejects, overwrite,
        ReplaceableOutput.Kind.SPARK_FILES, List.of(input))) {
      spark.createDataset(lines.bad().map(l -> l.reject).rdd(), Encoders.STRING())
          .coalesce(1).write().text(target.staging().toString());
      target.commit();
    }
  }

  /** Releases what reading kept. */
  void release() {
    if (lines != null) {
      lines.release();
    }
  }
}
