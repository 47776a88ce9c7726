package io.model2vec.examples.flink;

import io.model2vec.Model2VecException;
import io.model2vec.ModelReference;
import io.model2vec.examples.cli.ModelOptions;
import io.model2vec.flink.EmbeddingMapFunction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bin/flink-enrich}: streaming enrichment of JSONL files with Flink. */
@Command(name = "flink-enrich", mixinStandardHelpOptions = true, version = "model2vec-jvm 0.1.0",
    description = {
        "Reads JSONL files as a stream (Flink FileSource; a file or a folder), adds to every "
            + "object an \"embedding\": [floats] of its --text-field, and writes JSONL part files "
            + "into the --output folder with an exactly-once FileSink (files are committed on "
            + "checkpoints). A null or missing field gives \"embedding\": null.",
        "For a bounded input the job ends with one summary line: records, seconds, records/s. "
            + "With --monitor-interval it keeps watching the input folder for new files and "
            + "runs until cancelled.",
        "Runs in a local Flink (MiniCluster) in this JVM."})
public final class FlinkEnrichJob implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  // --model (a hub id is downloaded once, on the client), --max-length | --no-max-length,
  // --normalize, --dimensions
  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--input", paramLabel = "IN", required = true,
      description = "JSONL file, or folder of JSONL files.")
  Path input;

  @Option(names = "--output", paramLabel = "OUT", required = true,
      description = "Output folder (created; part files are named part-*.jsonl).")
  Path output;

  @Option(names = "--parallelism", paramLabel = "N", defaultValue = "1",
      description = "Parallel subtasks (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--text-field", paramLabel = "NAME", defaultValue = "text",
      description = "JSON field holding the text (default: ${DEFAULT-VALUE}).")
  String textField;

  @Option(names = "--monitor-interval", paramLabel = "SECONDS",
      description = "Keep monitoring the input folder for new files every SECONDS (unbounded "
          + "job; stop it with Ctrl-C). Default: read what is there and finish.")
  Integer monitorSeconds;

  @Option(names = "--checkpoint-interval", paramLabel = "SECONDS", defaultValue = "5",
      description = "Checkpoint interval; output files are committed on checkpoints "
          + "(default: ${DEFAULT-VALUE}).")
  double checkpointSeconds;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command and returns its exit code. */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new FlinkEnrichJob());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("flink-enrich: " + rootMessage(e));
      if (Boolean.getBoolean("model2vec.debug")) {
        e.printStackTrace(cmd.getErr());
      }
      return 1;
    });
    return cl.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    if (parallelism < 1) {
      throw new ParameterException(spec.commandLine(), "--parallelism must be >= 1, was " + parallelism);
    }
    if (checkpointSeconds <= 0) {
      throw new ParameterException(spec.commandLine(),
          "--checkpoint-interval must be > 0, was " + checkpointSeconds);
    }
    if (monitorSeconds != null && monitorSeconds < 1) {
      throw new ParameterException(spec.commandLine(),
          "--monitor-interval must be >= 1, was " + monitorSeconds);
    }
    if (!Files.exists(input)) {
      throw new ParameterException(spec.commandLine(), "--input " + input + " does not exist");
    }
    // A hub id is downloaded here, once; the subtasks load the local snapshot.
    ModelReference flinkModel =
        modelOptions.reference().resolvedHere();

    Configuration conf = new Configuration();
    conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL,
        Duration.ofMillis(Math.round(checkpointSeconds * 1000)));
    // Without this, checkpointing implies endless restarts: a malformed line would loop forever.
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 2);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(parallelism);

    FileSource.FileSourceBuilder<String> source = FileSource.forRecordStreamFormat(
        new TextLineInputFormat(), new org.apache.flink.core.fs.Path(input.toUri()));
    if (monitorSeconds != null) {
      source.monitorContinuously(Duration.ofSeconds(monitorSeconds));
    }
    JsonLineEnricher enricher = new JsonLineEnricher(textField);
    env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "jsonl-files")
        .filter(line -> !line.isBlank()).name("non-blank")
        .map(new EmbeddingMapFunction<>(flinkModel, enricher, enricher, Types.STRING)).name("embed")
        .map(new CountRecords()).name("count")
        .sinkTo(FileSink.forRowFormat(new org.apache.flink.core.fs.Path(output.toUri()),
                new SimpleStringEncoder<String>("UTF-8"))
            .withBucketAssigner(new BasePathBucketAssigner<>())
            .withRollingPolicy(OnCheckpointRollingPolicy.build())
            .withOutputFileConfig(OutputFileConfig.builder()
                .withPartPrefix("part").withPartSuffix(".jsonl").build())
            .build())
        .name("jsonl-files");

    long start = System.nanoTime();
    JobExecutionResult result = env.execute("flink-enrich " + input);
    double seconds = (System.nanoTime() - start) / 1e9;
    Long records = result.getAccumulatorResult(CountRecords.ACCUMULATOR);
    long n = records == null ? 0 : records;
    spec.commandLine().getOut().println(String.format(Locale.ROOT,
        "flink-enrich: %d records in %.2f s (%.0f records/s; job running %.2f s of it, the rest is "
            + "starting the local cluster), parallelism %d, output %s",
        n, seconds, n / seconds, result.getNetRuntime() / 1000.0, parallelism, output));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Counts the records written, for the summary line. */
  static final class CountRecords extends RichMapFunction<String, String> {
    static final String ACCUMULATOR = "records";
    private transient LongCounter counter;

    @Override
    public void open(OpenContext openContext) {
      counter = new LongCounter();
      getRuntimeContext().addAccumulator(ACCUMULATOR, counter);
    }

    @Override
    public String map(String line) {
      counter.add(1L);
      return line;
    }
  }

  /** The first message of the cause chain that says what was wrong (job failures nest deeply). */
  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (!(t instanceof IllegalArgumentException || t instanceof Model2VecException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
