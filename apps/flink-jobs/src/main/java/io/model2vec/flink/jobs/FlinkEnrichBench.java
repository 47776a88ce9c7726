package io.model2vec.flink.jobs;

import io.model2vec.StaticModel;
import io.model2vec.ModelReference;
import io.model2vec.Version;
import io.model2vec.app.Corpus;
import io.model2vec.app.ModelOptions;
import io.model2vec.flink.EmbeddingMapFunction;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/flink-enrich-bench}: throughput of {@link EmbeddingMapFunction} in a Flink job at
 * parallelism 1 and 2 against the core alone ({@link StaticModel#encode}, one thread), in the same
 * run and on the same texts. Local mode only: the texts are shared with the job through a static
 * array, so the job measures the map function, not a parser.
 *
 * <p>Job throughput is taken between the first and the last record arriving at the sink (steady
 * state, without deploying the job); the end-to-end figure (job run time) is printed as well.
 */
@Command(name = "flink-enrich-bench", mixinStandardHelpOptions = true,
    versionProvider = io.model2vec.app.VersionProvider.class,
    description = {"Benchmarks the Flink map function against the core in the same run; prints "
        + "records/s and the ratio per slot.",
        "--flink 2|1.20 (read by the bin/ script; default: MODEL2VEC_FLINK_LINE, else 2): the "
        + "Flink line to run on, Flink " + FlinkEnrichJob.FLINK_2 + " or Flink "
        + FlinkEnrichJob.FLINK_1_20 + "."})
public final class FlinkEnrichBench implements Callable<Integer> {
  /** The texts the job reads; set before each job (local mode: same JVM). */
  static volatile String[] texts;

  // --model (default: the built-in model), --max-length | --no-max-length, --normalize,
  // --dimensions
  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--corpus", paramLabel = "F",
      description = "JSONL corpus with a 'text' field (default: testdata/corpora/fortunes-en-de.jsonl of this checkout).")
  Path corpus;

  @Option(names = "--records", paramLabel = "N", defaultValue = "200000",
      description = "Records per measurement; the corpus is repeated (default: ${DEFAULT-VALUE}).")
  int records;

  @Option(names = "--parallelism", paramLabel = "P", split = ",", defaultValue = "1,2",
      description = "Job parallelisms to measure (default: ${DEFAULT-VALUE}).")
  int[] parallelisms;

  @Option(names = "--rounds", paramLabel = "R", defaultValue = "3",
      description = "Measurements of each configuration; the best counts (default: ${DEFAULT-VALUE}).")
  int rounds;

  public static void main(String[] args) {
    System.exit(new CommandLine(new FlinkEnrichBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path file = corpus != null ? corpus : defaultCorpus();
    String[] all = repeat(Corpus.texts(file, "text"), records);
    texts = all;
    ModelReference flinkModel = modelOptions.reference().resolvedHere();
    // Hold the shared model for the whole run, so that every job and the core use the same one.
    try (StaticModel core = flinkModel.shared()) { // close() leaves a shared model alone
      System.out.printf(Locale.ROOT, "model2vec-jvm %s: model %s, %d records from %s, %d cores%n",
          Version.current(), core, all.length, file, Runtime.getRuntime().availableProcessors());
      coreRate(core, all, Math.min(all.length, 20_000)); // warm-up
      // Rounds interleave the core and the jobs, so that a busy machine slows them alike;
      // the best of each counts.
      double coreBest = 0;
      double[] jobBest = new double[parallelisms.length];
      double[] coreThreadsBest = new double[parallelisms.length];
      for (int r = 1; r <= rounds; r++) {
        double rate = coreRate(core, all, all.length);
        coreBest = Math.max(coreBest, rate);
        System.out.printf(Locale.ROOT, "round %d  core, 1 thread:            %,10.0f records/s%n",
            r, rate);
        for (int k = 0; k < parallelisms.length; k++) {
          int p = parallelisms[k];
          if (p > 1) {
            // What this machine gives p threads right now: the core's own batch API.
            double threads = coreBatchRate(core, all, p);
            coreThreadsBest[k] = Math.max(coreThreadsBest[k], threads);
            System.out.printf(Locale.ROOT, "round %d  core, %d threads:           %,10.0f records/s%n",
                r, p, threads);
          }
          double[] m = jobRate(flinkModel, p);
          jobBest[k] = Math.max(jobBest[k], m[0]);
          System.out.printf(Locale.ROOT, "round %d  flink map, parallelism %d:  %,10.0f records/s "
              + "steady (%,.0f per slot), %,.0f records/s end to end incl. deployment%n",
              r, p, m[0], m[0] / p, m[1]);
        }
      }
      System.out.printf(Locale.ROOT, "RESULT core, 1 thread: %,.0f records/s%n", coreBest);
      for (int k = 0; k < parallelisms.length; k++) {
        int p = parallelisms[k];
        System.out.printf(Locale.ROOT, "RESULT flink parallelism %d: %,.0f records/s = %.2f x core; "
            + "per slot %.0f%% of the core's single-thread throughput%n",
            p, jobBest[k], jobBest[k] / coreBest, 100 * jobBest[k] / p / coreBest);
        if (p > 1) {
          System.out.printf(Locale.ROOT, "RESULT core, %d threads: %,.0f records/s; the job at "
              + "parallelism %d reaches %.0f%% of it%n", p, coreThreadsBest[k], p,
              100 * jobBest[k] / coreThreadsBest[k]);
        }
      }
    }
    return 0;
  }

  /** The core's batch API on {@code threads} threads, over all texts. */
  private static double coreBatchRate(StaticModel model, String[] all, int threads) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long t0 = System.nanoTime();
      float[][] out = model.encode(java.util.Arrays.asList(all), pool, threads);
      double seconds = (System.nanoTime() - t0) / 1e9;
      return out.length / seconds;
    } finally {
      pool.shutdown();
    }
  }

  private static double coreRate(StaticModel model, String[] all, int n) {
    long sink = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sink += Float.floatToRawIntBits(model.encode(all[i])[0]);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (sink == 42) {
      System.out.print(""); // keeps the loop's results alive
    }
    return n / seconds;
  }

  /** {steady-state records/s, end-to-end records/s}. */
  private double[] jobRate(ModelReference flinkModel, int parallelism) throws Exception {
    Timing.reset();
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(parallelism, new Configuration());
    int n = texts.length;
    env.fromSequence(0, n - 1)
        .map(i -> texts[(int) (long) i]).name("texts")
        .map(EmbeddingMapFunction.strings(flinkModel)).name("embed")
        .map(new Timing()).name("timing")
        .sinkTo(new DiscardingSink<>()).name("discard");
    JobExecutionResult result = env.execute("flink-enrich-bench p=" + parallelism);
    long count = Timing.COUNT.get();
    if (count != n) {
      throw new IllegalStateException("the job embedded " + count + " records, expected " + n);
    }
    double steady = (Timing.LAST.get() - Timing.FIRST.get()) / 1e9;
    return new double[] {n / steady, n / (result.getNetRuntime() / 1000.0)};
  }

  /** The sample corpus of the checkout this command runs from (bin/launch names it). */
  private static Path defaultCorpus() {
    String home = io.model2vec.Settings.HOME.get();
    Path base = home != null ? Paths.get(home) : Paths.get("").toAbsolutePath();
    return base.resolve("testdata/corpora/fortunes-en-de.jsonl");
  }

  private static String[] repeat(List<String> base, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("--records must be >= 1, was " + n);
    }
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      out[i] = base.get(i % base.size());
    }
    return out;
  }

  /**
   * The last operator before a discarding sink: records when the first and the last vector arrived,
   * over all subtasks. (A map rather than a sink of our own: Flink 1.20 and 2.x declare different
   * {@code Sink.createWriter} methods, and the same source builds on both.)
   */
  static final class Timing extends RichMapFunction<float[], float[]> {
    private static final long serialVersionUID = 1L;
    static final AtomicLong FIRST = new AtomicLong(Long.MAX_VALUE);
    static final AtomicLong LAST = new AtomicLong();
    static final AtomicLong COUNT = new AtomicLong();

    private transient long first;
    private transient long last;
    private transient long count;

    static void reset() {
      FIRST.set(Long.MAX_VALUE);
      LAST.set(0);
      COUNT.set(0);
    }

    @Override
    public float[] map(float[] vector) {
      long now = System.nanoTime();
      if (count++ == 0) {
        first = now;
      }
      last = now;
      return vector;
    }

    @Override
    public void close() {
      if (count > 0) {
        FIRST.accumulateAndGet(first, Math::min);
        LAST.accumulateAndGet(last, Math::max);
        COUNT.addAndGet(count);
      }
    }
  }
}
