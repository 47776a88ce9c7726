package io.model2vec.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle as a job jar (a remote environment ships it; Flink loads its classes in a class loader
 * of each job, child-first) on TaskManagers whose classpath also has this project, as when the
 * bundle is both in {@code lib/} and in a job jar. The model's BPE tokenizer runs in the native
 * library, which this JVM has already loaded (the expected vectors): the job's own copy of DJL
 * used to fail with "already loaded in another classloader"; now two jobs run and share the model
 * of the TaskManagers' classpath.
 */
class JobJarITCase {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER = FlinkTests.miniCluster();

  @TempDir
  static Path tmp;

  /** The texts of the job, by index (a class of the classpath, not of the job jar). */
  static final class TextAt implements MapFunction<Long, String> {
    private static final long serialVersionUID = 1L;
    private final ArrayList<String> texts;

    TextAt(List<String> texts) {
      this.texts = new ArrayList<>(texts);
    }

    @Override
    public String map(Long i) {
      return texts.get((int) (long) i);
    }
  }

  @Test
  void twoJobsWithTheBundleAsJobJarShareTheModelAndTheNativeLibrary(
      @InjectClusterClient ClusterClient<?> client) throws Exception {
    Path bundle = Paths.get(System.getProperty("bundle.jar", "target/model2vec-flink-bundle.jar"));
    assertThat(bundle).as("the bundle jar (mvn package)").exists();
    Path model = SqlClientIT.bpeModel(Paths.get(FlinkTests.modelPath("test-model-float32")),
        tmp.resolve("bpe"));
    List<String> texts = FlinkTests.texts(20);
    List<float[]> expected = new ArrayList<>();
    try (StaticModel core = StaticModel.load(model)) {
      assertThat(core.tokenizerImplementation()).isEqualTo("native");
      for (String t : texts) {
        expected.add(core.encode(t));
      }
    }
    long loadsBefore = StaticModel.loadCount();
    URI rest = URI.create(client.getWebInterfaceURL());
    for (int job = 0; job < 2; job++) {
      // what a remote environment does (the test context forbids createRemoteEnvironment)
      org.apache.flink.configuration.Configuration conf =
          new org.apache.flink.configuration.Configuration();
      conf.set(org.apache.flink.configuration.DeploymentOptions.TARGET, "remote");
      conf.set(org.apache.flink.configuration.RestOptions.ADDRESS, rest.getHost());
      conf.set(org.apache.flink.configuration.RestOptions.PORT, rest.getPort());
      conf.set(org.apache.flink.configuration.PipelineOptions.JARS,
          List.of(bundle.toUri().toURL().toString()));
      StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
      env.setParallelism(2);
      List<float[]> got = new ArrayList<>();
      try (CloseableIterator<float[]> it = env.fromSequence(0, texts.size() - 1)
          .map(new TextAt(texts)).setParallelism(1)
          .map(EmbeddingMapFunction.strings(ModelReference.of(model.toString())))
          .executeAndCollect()) {
        it.forEachRemaining(got::add);
      }
      // the same vectors as the core's (order: the job's; compared as sorted lists)
      assertThat(got.stream().map(java.util.Arrays::toString).sorted().toList()).as("job %d", job)
          .isEqualTo(expected.stream().map(java.util.Arrays::toString).sorted().toList());
    }
    assertThat(StaticModel.loadCount() - loadsBefore).as("one load for both jobs").isEqualTo(1);
  }
}
