package io.model2vec.flink.jobs;

import io.model2vec.Model2VecException;
import io.model2vec.ModelReference;
import io.model2vec.app.BadLineOptions;
import io.model2vec.app.Commands;
import io.model2vec.app.ModelOptions;
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
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bin/flink-enrich}: streaming enrichment of JSONL files with Flink. */
@Command(name = "flink-enrich", mixinStandardHelpOptions = true,
    versionProvider = io.model2vec.app.VersionProvider.class,
    description = {
        "Reads JSONL files as a stream (Flink FileSource; a file or a folder), adds to every "
            + "object an \"embedding\": [floats] of its --text-field, and writes JSONL part files "
            + "into the --output folder with an exactly-once FileSink (files are committed on "
            + "checkpoints). A null or missing field gives \"embedding\": null.",
        "For a bounded input the job ends with one summary line: records, seconds, records/s. "
            + "With --monitor-interval it keeps watching the input folder for new files and "
            + "runs until cancelled.",
        "Rows are the input objects exactly as written, with \"embedding\" added as the last "
            + "field. A bad line (not exactly one JSON object, not UTF-8, longer than "
            + "--max-line-bytes, a text field that is not a string, a last line cut short) fails "
            + "the job with its file and line number (--on-error fail, default), or is left out "
            + "and counted (--on-error skip; --rejects keeps them).",
        "A bounded job writes into a hidden folder beside --output and moves the part files "
            + "into --output when it succeeds: a failed run adds no output. With "
            + "--monitor-interval, files are committed on checkpoints as they are written.",
        "Runs in a local Flink (MiniCluster) in this JVM.",
        "--flink 2|1.20 (read by the bin/ script; default: MODEL2VEC_FLINK_LINE, else 2): the "
            + "Flink line to run on, Flink " + FlinkEnrichJob.FLINK_2 + " or Flink "
            + FlinkEnrichJob.FLINK_1_20 + ". The summary line names the Flink version that ran."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:success",
        "1:a bad line (with its file and line number), an unreadable input, an output that "
            + "cannot be written, out of memory",
        "2:usage error (bad or conflicting options)"})
public final class FlinkEnrichJob implements Callable<Integer> {
  /** The Flink releases of the two lines the bin/ scripts run on (root pom: flink.version, flink1.version). */
  static final String FLINK_2 = "2.3";
  static final String FLINK_1_20 = "1.20";

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

  // --on-error, --max-line-bytes
  @Mixin
  BadLineOptions badLines;

  @Option(names = "--rejects", paramLabel = "DIR",
      description = "With --on-error skip: folder of JSONL part files of the rejected lines, one "
          + "object each: \"file\", \"line\", \"reason\", and the line as it was: \"raw\" "
          + "(a string) or \"raw_base64\" (bytes that are not UTF-8; none for a too long line).")
  Path rejects;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command and returns its exit code. */
  public static int run(String... args) {
    return Commands.execute(new CommandLine(new FlinkEnrichJob()),
        FlinkEnrichJob::rootMessage, args);
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
    badLines.check(spec.commandLine(), rejects != null);
    Path in = input.toAbsolutePath().normalize();
    for (Path out : rejects == null ? new Path[] {output} : new Path[] {output, rejects}) {
      Path o = out.toAbsolutePath().normalize();
      if (o.startsWith(in)) { // a monitoring job would read what it writes
        throw new ParameterException(spec.commandLine(),
            (out == output ? "--output " : "--rejects ") + out + " is inside --input " + input);
      }
    }
    if (rejects != null
        && rejects.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
      throw new ParameterException(spec.commandLine(), "--rejects " + rejects
          + " is the same folder as --output");
    }
    if (!Files.exists(input)) {
      throw new IllegalArgumentException("cannot read input " + input + ": no such file");
    }
    if (!Files.isReadable(input)) {
      throw new IllegalArgumentException("cannot read input " + input + ": permission denied");
    }
    boolean bounded = monitorSeconds == null;
    StagedFolder out = StagedFolder.open(output, "output", bounded);
    StagedFolder rej = rejects == null ? null : StagedFolder.open(rejects, "rejects", bounded);
    try {
      return run(out, rej);
    } finally {
      out.close();
      if (rej != null) {
        rej.close();
      }
    }
  }

  private int run(StagedFolder out, StagedFolder rej) throws Exception {
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
    // Records are Strings and the NumberedLine POJO: nothing may fall back to Kryo, which is
    // shaded differently by Spark on the same classpath.
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(parallelism);

    FileSource.FileSourceBuilder<NumberedLine> source = FileSource.forBulkFileFormat(
        new StrictLineFormat(badLines.maxLineBytes()), new org.apache.flink.core.fs.Path(input.toUri()));
    if (monitorSeconds != null) {
      source.monitorContinuously(Duration.ofSeconds(monitorSeconds));
    }
    JsonLineEnricher enricher = new JsonLineEnricher(textField, badLines.skip());
    SingleOutputStreamOperator<String> rows =
        env.fromSource(source.build(), WatermarkStrategy.noWatermarks(), "jsonl-files")
            .map(new EmbeddingMapFunction<>(flinkModel, enricher, enricher, Types.STRING))
            .name("embed")
            .process(new CountRecords()).name("count");
    rows.sinkTo(sink(out.sinkFolder())).name("jsonl-files");
    if (rej != null) {
      rows.getSideOutput(CountRecords.REJECTS).sinkTo(sink(rej.sinkFolder())).name("rejects");
    }

    long start = System.nanoTime();
    JobExecutionResult result = env.execute("flink-enrich " + input);
    double seconds = (System.nanoTime() - start) / 1e9;
    out.publish();
    if (rej != null) {
      rej.publish();
    }
    Long records = result.getAccumulatorResult(CountRecords.ACCUMULATOR);
    long n = records == null ? 0 : records;
    Long rejectedCount = result.getAccumulatorResult(CountRecords.REJECTED);
    long r = rejectedCount == null ? 0 : rejectedCount;
    spec.commandLine().getOut().println(String.format(Locale.ROOT,
        "flink-enrich: %d records in %.2f s (%.0f records/s; job running %.2f s of it, the rest is "
            + "starting the local cluster), parallelism %d, output %s, %d rejected%s, Flink %s",
        n, seconds, n / seconds, result.getNetRuntime() / 1000.0, parallelism, output, r,
        rejects == null ? "" : " (" + rejects + ")",
        org.apache.flink.runtime.util.EnvironmentInformation.getVersion()));
    spec.commandLine().getOut().flush();
    return 0;
  }

  private static FileSink<String> sink(Path folder) {
    return FileSink.forRowFormat(new org.apache.flink.core.fs.Path(folder.toUri()),
            new SimpleStringEncoder<String>("UTF-8"))
        .withBucketAssigner(new BasePathBucketAssigner<>())
        .withRollingPolicy(OnCheckpointRollingPolicy.build())
        .withOutputFileConfig(OutputFileConfig.builder()
            .withPartPrefix("part").withPartSuffix(".jsonl").build())
        .build();
  }

  /**
   * Counts the records written and the rejected lines, for the summary line, and routes the
   * reject records of {@link JsonLineEnricher} to a side output.
   */
  static final class CountRecords extends ProcessFunction<String, String> {
    static final String ACCUMULATOR = "records";
    static final String REJECTED = "rejected";
    static final OutputTag<String> REJECTS = new OutputTag<>("rejects", Types.STRING);
    private transient LongCounter counter;
    private transient LongCounter rejected;

    @Override
    public void open(OpenContext openContext) {
      counter = new LongCounter();
      rejected = new LongCounter();
      getRuntimeContext().addAccumulator(ACCUMULATOR, counter);
      getRuntimeContext().addAccumulator(REJECTED, rejected);
    }

    @Override
    public void processElement(String line, Context ctx, Collector<String> out) {
      if (!line.isEmpty() && line.charAt(0) == JsonLineEnricher.REJECT) {
        rejected.add(1L);
        ctx.output(REJECTS, line.substring(1));
      } else {
        counter.add(1L);
        out.collect(line);
      }
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
