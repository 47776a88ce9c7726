package io.model2vec.spark.jobs;

import io.model2vec.app.ModelOptions;
import io.model2vec.spark.Model2VecSpark;
import io.model2vec.spark.ReplaceableOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StringType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/spark-embed}: bulk corpus embedding with Spark. */
@Command(name = "spark-embed", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = io.model2vec.app.VersionProvider.class,
    description = {"Embeds a text column of a corpus with Spark: keeps every input column, adds "
        + "'embedding' (array<float>), writes Parquet or JSONL, and ends with one summary line "
        + "(rows in, out and rejected, seconds, rows/s). JSON and text lines follow the rules "
        + "of model2vec encode: a bad line (not one JSON object, not UTF-8, too long, a text "
        + "that is not a string, cut short) stops the job naming its file and line, or with "
        + "--on-error skip is left out, counted and kept in --rejects."})
public final class SparkEmbedJob implements Callable<Integer> {
  @Mixin
  SparkJobOptions options;

  // --model, --max-length | --no-max-length, --normalize, --dimensions
  @Mixin
  ModelOptions model;

  // --input, --input-format, --on-error, --max-line-bytes, --rejects
  @Mixin
  JobInput input;

  @Option(names = "--output", required = true, paramLabel = "OUT",
      description = "Output folder (must not exist unless --overwrite; never the input, "
          + "inside it or around it).")
  String output;

  @Option(names = "--output-format", paramLabel = "parquet|jsonl", defaultValue = "parquet",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  String outputFormat;

  @Option(names = "--overwrite", description = "Replace the output folder if it exists and is "
      + "a Spark output (_SUCCESS and part files): the new output is written beside it and "
      + "swapped in when the job succeeds; a failed job leaves the old one as it was.")
  boolean overwrite;

  public static void main(String[] args) {
    JobMain.run(new SparkEmbedJob(), args);
  }

  @Override
  public Integer call() throws InterruptedException {
    input.check(new CommandLine(this));
    if (!Arrays.asList("parquet", "jsonl").contains(outputFormat)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--output-format must be parquet or jsonl, was '" + outputFormat + "'");
    }
    SparkJobOptions.checkModel(model.model());
    SparkSession spark = options.session("model2vec spark-embed")
        .config("spark.ui.showConsoleProgress", "true")
        .getOrCreate();
    try {
      long start = System.nanoTime();
      input.checkApart(spark, output);
      Model2VecSpark.register(spark, model.model(), model.toLoadOptions());
      Dataset<Row> in = input.read(spark, options.textColumn);
      if (!Arrays.asList(in.columns()).contains(options.textColumn)) {
        throw new IllegalArgumentException("input " + input.input + " has no column '" + options.textColumn
            + "' (columns: " + String.join(", ", in.columns()) + "); use --text-column");
      }
      if (!(in.schema().apply(options.textColumn).dataType() instanceof StringType)) {
        throw new IllegalArgumentException("column '" + options.textColumn + "' of " + input.input
            + " is " + in.schema().apply(options.textColumn).dataType().simpleString() + ", not a string");
      }
      // Embedding is CPU-bound: small inputs read as one partition would use one core.
      int cores = spark.sparkContext().defaultParallelism();
      if (in.rdd().getNumPartitions() < cores) {
        in = in.repartition(cores);
      }
      Observation rows = new Observation("rows");
      Dataset<Row> out = in.withColumn("embedding", Model2VecSpark.embed(functions.col(options.textColumn)))
          .observe(rows, functions.count(functions.lit(1)).as("rows"));
      long n;
      // Written beside the output and swapped in when complete: an existing output stays as it
      // was until then; one that is, holds or lies in the input, or that Spark did not write,
      // is refused before anything runs.
      List<String> inputs = new ArrayList<>(List.of(input.input));
      inputs.addAll(Arrays.asList(in.inputFiles()));
      try (ReplaceableOutput target = ReplaceableOutput.open(
          spark.sparkContext().hadoopConfiguration(), output, overwrite,
          ReplaceableOutput.Kind.SPARK_FILES, inputs)) {
        var writer = out.write().mode(SaveMode.ErrorIfExists);
        if (outputFormat.equals("jsonl")) {
          writer.json(target.staging().toString());
        } else {
          writer.parquet(target.staging().toString());
        }
        n = ((Number) rows.getAsJava().get("rows")).longValue();
        target.commit();
      }
      long rejected = input.rejected();
      input.writeRejects(spark, overwrite);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(Locale.ROOT,
          "spark-embed: %d rows in, %d out, %d rejected, %.1f s (%.0f rows/s) -> %s%n",
          n + rejected, n, rejected, seconds, n / seconds, output);
      return 0;
    } finally {
      input.release();
      spark.stop();
    }
  }
}
