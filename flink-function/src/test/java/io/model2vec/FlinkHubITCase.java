package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.flink.EmbeddingMapFunction;
import io.model2vec.flink.Model2VecFlink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub id is resolved once, on the client, and the TaskManagers never call the hub: the snapshot
 * folder travels through the distributed cache. (In package io.model2vec for the core's test hub.)
 */
class FlinkHubITCase {
  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setNumberTaskManagers(2).setNumberSlotsPerTaskManager(2).build());

  @TempDir
  Path cache;

  @AfterEach
  void clearHub() {
    HubClient.environmentOverride = null;
  }

  @Test
  void hubIdIsDownloadedOnceOnTheClientAndShippedToTheTaskManagers() throws Exception {
    try (HubTestServer hub = new HubTestServer()) {
      hub.add("org/flink-model", "0123456789abcdef0123456789abcdef01234567")
          .folder("", Fixtures.model("test-model-float32"));
      HubClient.environmentOverride = Map.of("HF_ENDPOINT", hub.endpoint(),
          "HF_HUB_CACHE", cache.resolve("hub").toString(), "HF_HOME", cache.toString());

      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(4);
      ModelReference model = Model2VecFlink.ship(env, ModelReference.of("org/flink-model", LoadOptions.defaults()));
      int requestsAfterResolving = hub.requests.size();
      assertThat(requestsAfterResolving).isPositive();
      assertThat(model.reference()).startsWith(cache.toString());

      List<String> texts = Fixtures.fortuneTexts(200);
      List<float[]> got = new ArrayList<>();
      try (CloseableIterator<float[]> it = env.fromData(texts)
          .map(EmbeddingMapFunction.strings(model)).setParallelism(1)
          .executeAndCollect("hub model shipped")) {
        it.forEachRemaining(got::add);
      }
      assertThat(hub.requests).as("no hub request from the TaskManagers")
          .hasSize(requestsAfterResolving);
      try (StaticModel local = StaticModel.load(Fixtures.model("test-model-float32"))) {
        for (int i = 0; i < texts.size(); i++) {
          assertThat(got.get(i)).containsExactly(local.encode(texts.get(i)));
        }
      }
    }
  }

  @Test
  void aHubIdResolvedOnTheClientKeepsTheTokenOnTheHubAndWritesOnlyIntoTheCache() throws Exception {
    Path hubCache = cache.resolve("a/b/hub");
    Path victim = cache.resolve("a/victim");
    Files.createDirectories(victim.getParent());
    Files.writeString(victim, "precious");
    try (HubTestServer hub = new HubTestServer(); HubTestServer cdn = new HubTestServer("127.0.0.2")) {
      hub.add("org/private", "0123456789abcdef0123456789abcdef01234567")
          .folder("", Fixtures.model("test-model-float32")).token = "s3cret";
      hub.lfsOn = cdn;
      HubClient.environmentOverride = Map.of("HF_ENDPOINT", hub.endpoint(),
          "HF_HUB_CACHE", hubCache.toString(), "HF_HOME", cache.toString(), "HF_TOKEN", "s3cret\n");

      ModelReference model = ModelReference.of("org/private", LoadOptions.defaults()).resolvedHere();
      assertThat(model.reference()).startsWith(hubCache.toString());
      assertThat(hub.authorizations).contains("Bearer s3cret");
      assertThat(cdn.requests).anyMatch(r -> r.startsWith("GET /cdn/"));
      assertThat(cdn.authorizations).as("the token never leaves the hub's origin")
          .allMatch(String::isEmpty);

      assertThatThrownBy(() -> ModelReference.of("org/private",
          LoadOptions.builder().revision("../../../victim").build()).resolvedHere())
          .hasMessageContaining("revision").hasMessageContaining("'../../../victim'");
      assertThat(Files.readString(victim)).isEqualTo("precious");
      try (Stream<Path> all = Files.walk(cache.resolve("a"))) {
        assertThat(all.filter(p -> !p.startsWith(hubCache) && !hubCache.startsWith(p)))
            .as("written outside the cache").containsExactly(victim);
      }
    }
  }
}
