package io.model2vec.spark.jobs;

import io.model2vec.StaticModel;
import io.model2vec.Version;
import io.model2vec.app.Corpus;
import io.model2vec.app.ModelOptions;
import io.model2vec.app.SyntheticModel;
import io.model2vec.spark.Model2VecSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/spark-bench}: rows/s of the core alone (one thread) and of {@code embed} at
 * local[1] and local[2], on the same texts in the same run; also a plain Java UDF returning
 * {@code float[]} (which Spark converts float by float) for comparison.
 */
@Command(name = "spark-bench", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = io.model2vec.app.VersionProvider.class,
    description = "Benchmarks embed() in Spark against the core, in one run.")
public final class SparkBench implements Callable<Integer> {
  @Option(names = "--spark", paramLabel = "LINE", defaultValue = SparkJobOptions.LINE_DEFAULT,
      description = SparkJobOptions.LINE_HELP)
  String sparkLine;

  // --model (default: the built-in model), --max-length | --no-max-length, --normalize,
  // --dimensions
  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--input", required = true, description = "JSONL corpus (e.g. testdata/corpora/fortunes-en-de.jsonl).")
  Path input;

  @Option(names = {"--text-field", "--field"}, defaultValue = "text", description = "JSONL text field (default: ${DEFAULT-VALUE}).")
  String field;

  @Option(names = "--rows", defaultValue = "1000000", description = "Rows embedded per measurement (default: ${DEFAULT-VALUE}); the corpus is repeated.")
  int rows;

  @Option(names = "--synthetic-dims", defaultValue = "0",
      description = "Replace the model's table by a random one of this width over the same tokenizer (the test models are tiny).")
  int syntheticDims;

  @Option(names = "--passes", defaultValue = "3",
      description = "Timed passes over all rows per measurement, after one warm-up pass; the best "
          + "counts, as other processes on the machine can only slow a pass down (default: ${DEFAULT-VALUE}).")
  int passes;

  @Option(names = "--skip-udf", description = "Do not measure the plain Java UDF.")
  boolean skipUdf;

  private static volatile StaticModel udfModel;

  public static void main(String[] args) {
    JobMain.run(new SparkBench(), args);
  }

  @Override
  public Integer call() throws Exception {
    if (passes < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--passes must be >= 1, was " + passes);
    }
    List<String> texts = Corpus.texts(input, field);
    String model = modelOptions.model();
    String ref = model;
    if (syntheticDims > 0) {
      ref = SyntheticModel.create(model, syntheticDims, Files.createTempDirectory("m2v-bench")).toString();
    }
    int reps = (rows + texts.size() - 1) / texts.size();
    long total = (long) reps * texts.size();
    System.out.printf(Locale.ROOT, "model2vec-jvm %s: corpus: %d texts x %d = %d rows; model %s%s%n",
        Version.current(), texts.size(), reps, total, model == null ? "(built-in)" : model,
        syntheticDims > 0 ? " (random " + syntheticDims + "-dim table)" : "");

    double core = core(ref, texts, reps);
    System.out.printf(Locale.ROOT, "core, 1 thread:         %,10.0f rows/s%n", core);

    double one = spark("local[1]", ref, texts, reps, false);
    System.out.printf(Locale.ROOT, "embed, local[1]:        %,10.0f rows/s  (%.2f of the core)%n", one, one / core);
    double two = spark("local[2]", ref, texts, reps, false);
    System.out.printf(Locale.ROOT, "embed, local[2]:        %,10.0f rows/s  (%.2fx local[1])%n", two, two / one);
    // the core again, now that the machine and the JIT are warm: the better of the two counts
    double again = core(ref, texts, reps);
    System.out.printf(Locale.ROOT, "core, 1 thread, again:  %,10.0f rows/s%n", again);
    if (again > core) {
      core = again;
      System.out.printf(Locale.ROOT, "embed, local[1]:        %.2f of the better core figure%n", one / core);
    }
    if (!skipUdf) {
      double udf = spark("local[1]", ref, texts, reps, true);
      System.out.printf(Locale.ROOT, "Java UDF, local[1]:     %,10.0f rows/s  (%.2f of the core, %.2f of embed)%n",
          udf, udf / core, udf / one);
    }
    return 0;
  }

  /** Rows/s of {@code encodeInto} on one thread over the corpus repeated {@code reps} times. */
  private double core(String ref, List<String> texts, int reps) {
    try (StaticModel m = StaticModel.load(ref, modelOptions.toLoadOptions())) {
      float[] out = new float[m.dimension()];
      for (int warm = 0; warm < 2; warm++) {
        for (String t : texts) {
          m.encodeInto(t, out, 0);
        }
      }
      double best = 0;
      for (int pass = 0; pass < passes; pass++) {
        long start = System.nanoTime();
        for (int rep = 0; rep < reps; rep++) {
          for (String t : texts) {
            m.encodeInto(t, out, 0);
          }
        }
        best = Math.max(best, (double) reps * texts.size() / ((System.nanoTime() - start) / 1e9));
      }
      return best;
    }
  }

  private double spark(String master, String ref, List<String> texts, int reps, boolean udf) {
    SparkJobOptions.checkLine(sparkLine, org.apache.spark.package$.MODULE$.SPARK_VERSION());
    SparkSession spark = SparkSession.builder().master(master).appName("model2vec spark-bench")
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    try {
      Model2VecSpark.register(spark, ref, modelOptions.toLoadOptions());
      if (udf) {
        udfModel = StaticModel.load(ref, modelOptions.toLoadOptions());
        spark.udf().register("embed_udf", (UDF1<String, float[]>) t -> t == null ? null : udfModel.encode(t),
            DataTypes.createArrayType(DataTypes.FloatType, false));
      }
      int cores = spark.sparkContext().defaultParallelism();
      Dataset<String> base = spark.createDataset(texts, Encoders.STRING());
      Dataset<Row> df = base.crossJoin(spark.range(reps)).select(functions.col("value").as("text"))
          .repartition(cores * 4).cache();
      long n = df.count();
      String call = udf ? "embed_udf(text)" : "embed(text)";
      // one warm-up pass, then the timed ones; sum(size(..)) forces every vector. A new Dataset
      // per pass: re-running one would reuse its shuffle output instead of embedding again.
      String query = "sum(size(" + call + "))";
      df.selectExpr(query).collect();
      double best = 0;
      for (int pass = 0; pass < passes; pass++) {
        long start = System.nanoTime();
        df.selectExpr(query).collect();
        best = Math.max(best, n / ((System.nanoTime() - start) / 1e9));
      }
      return best;
    } finally {
      spark.stop();
      if (udfModel != null) {
        udfModel.close();
        udfModel = null;
      }
    }
  }

}
