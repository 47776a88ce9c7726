package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A streaming job with checkpointing, a restart strategy and an exactly-once FileSink, where an
 * operator after the embedding fails once (after a checkpoint has completed and N records have
 * passed): the committed output holds every input exactly once, with the core's vector.
 */
class FailureRecoveryITCase {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER = FlinkTests.miniCluster();

  private static final int RECORDS = 3000;
  private static final List<String> TEXTS = FlinkTests.texts(500);
  private static final RowTypeInfo ID_TEXT = new RowTypeInfo(
      new TypeInformation<?>[] {Types.LONG, Types.STRING}, new String[] {"id", "text"});

  @TempDir
  Path out;

  @Test
  void everyRecordExactlyOnceWithTheRightVectorAfterAFailure() throws Exception {
    FailOnceAfter.FAILURES.set(0);
    Configuration conf = new Configuration();
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);
    env.enableCheckpointing(200);

    String model = FlinkTests.modelPath("test-model-float32");
    List<String> texts = TEXTS;
    env.fromSequence(0, RECORDS - 1)
        .map(id -> Row.of(id, id % 97 == 0 ? null : texts.get((int) (id % texts.size()))))
        .returns(ID_TEXT)
        .map(EmbeddingMapFunction.rows(ModelReference.of(model), ID_TEXT, "text"))
        .map(new FailOnceAfter(300))
        .map(FailureRecoveryITCase::line)
        .sinkTo(FileSink.forRowFormat(new org.apache.flink.core.fs.Path(out.toUri()),
                new SimpleStringEncoder<String>(StandardCharsets.UTF_8.name()))
            .withRollingPolicy(OnCheckpointRollingPolicy.build())
            .build());
    env.execute("embed with a failure");

    assertThat(FailOnceAfter.FAILURES.get()).as("the planned failure happened").isEqualTo(1);
    Map<Long, String> byId = new HashMap<>();
    int lines = 0;
    try (Stream<Path> files = Files.walk(out)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))::iterator) {
        for (String l : Files.readAllLines(f)) {
          lines++;
          int tab = l.indexOf('\t');
          byId.put(Long.parseLong(l.substring(0, tab)), l.substring(tab + 1));
        }
      }
    }
    assertThat(lines).as("committed lines (no duplicates)").isEqualTo(RECORDS);
    assertThat(byId).hasSize(RECORDS);
    try (StaticModel core = StaticModel.load(model, LoadOptions.defaults())) {
      for (long id = 0; id < RECORDS; id++) {
        String text = id % 97 == 0 ? null : TEXTS.get((int) (id % TEXTS.size()));
        assertThat(byId.get(id)).as("record %d", id).isEqualTo(vectorText(core.encode(text)));
      }
    }
  }

  static String line(Row row) {
    return row.getField(0) + "\t" + vectorText((float[]) row.getField(2));
  }

  static String vectorText(float[] v) {
    if (v == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder();
    for (float x : v) {
      sb.append(Float.floatToRawIntBits(x)).append(',');
    }
    return sb.toString();
  }

  /** Passes records on; once, after a checkpoint completed and n records, throws. */
  static final class FailOnceAfter extends RichMapFunction<Row, Row> implements CheckpointListener {
    static final AtomicInteger FAILURES = new AtomicInteger();
    private final int n;
    private transient int seen;
    private transient volatile boolean checkpointed;

    FailOnceAfter(int n) {
      this.n = n;
    }

    @Override
    public Row map(Row row) throws Exception {
      if (FAILURES.get() == 0) {
        seen++;
        Thread.sleep(1); // keep the job running until a checkpoint completes
        if (seen >= n && checkpointed && FAILURES.compareAndSet(0, 1)) {
          throw new IllegalStateException("planned failure after " + seen + " records");
        }
      }
      return row;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      checkpointed = true;
    }
  }
}
