package io.model2vec.benchmarks;

import io.model2vec.StaticModel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to the first vector of the built-in model in a fresh JVM: {@code StaticModel.load(null)}
 * (the {@code classpath:model2vec/default-model} resources of this jar) and one
 * {@code encode}, what a user of a plain JVM waits for. Single shot, no warmup: each fork is a
 * new JVM, so every measurement pays class loading and interpreted code like a user does; the
 * spread across forks is the number to read (the default is 10 forks; {@code -f} changes it).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ColdLoadBenchmark</pre>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 10, jvmArgsAppend = {"-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class ColdLoadBenchmark {
  @Benchmark
  public float[] loadAndEncodeOne() {
    try (StaticModel model = StaticModel.load((String) null)) {
      return model.encode("The quick brown fox jumps over the lazy dog.");
    }
  }
}
