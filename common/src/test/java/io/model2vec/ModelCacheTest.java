package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCacheTest {
  @TempDir
  Path tmp;

  @AfterEach
  void reset() {
    System.clearProperty(ModelCache.IDLE_SECONDS_PROPERTY);
    ModelCache.evictIdle();
  }

  @Test
  void optionsAreTheKeyAndLeasesRefCount() {
    String ref = Fixtures.model("test-model-vocab-quantized").toString();
    try (StaticModel.ModelLease a = StaticModel.acquire(ref, LoadOptions.defaults());
        StaticModel.ModelLease b = StaticModel.acquire(ref, LoadOptions.defaults());
        StaticModel.ModelLease c = StaticModel.acquire(ref, LoadOptions.builder().dimensions(4).build())) {
      assertThat(a.model()).isSameAs(b.model());
      assertThat(c.model()).isNotSameAs(a.model());
      assertThat(c.model().dimension()).isEqualTo(4);
    }
  }

  @Test
  void idleModelsStayForTheGracePeriodAndAreEvictedAfterIt() {
    String ref = Fixtures.model("test-model-vocab-quantized").toString();
    LoadOptions options = LoadOptions.builder().dimensions(3).build();
    long before = StaticModel.loadCount();
    StaticModel first;
    try (StaticModel.ModelLease a = StaticModel.acquire(ref, options)) {
      first = a.model();
    }
    try (StaticModel.ModelLease a = StaticModel.acquire(ref, options)) {
      assertThat(a.model()).as("reused within the grace period").isSameAs(first);
    }
    assertThat(StaticModel.loadCount() - before).isEqualTo(1);
    ModelCache.evictIdle();
    assertThatThrownBy(() -> first.encode("closed")).isInstanceOf(IllegalStateException.class);

    System.setProperty(ModelCache.IDLE_SECONDS_PROPERTY, "0");
    StaticModel second;
    try (StaticModel.ModelLease a = StaticModel.acquire(ref, options)) {
      second = a.model();
      assertThat(second).isNotSameAs(first);
    }
    try (StaticModel.ModelLease a = StaticModel.acquire(ref, options)) {
      assertThat(a.model()).as("idle-seconds=0 evicts at once").isNotSameAs(second);
    }
    assertThat(StaticModel.loadCount() - before).isEqualTo(3);
  }

  @Test
  void aFailedLoadDoesNotPoisonTheCache() throws Exception {
    Path folder = tmp.resolve("model");
    String ref = folder.toString();
    Files.createDirectories(folder);
    assertThatThrownBy(() -> StaticModel.acquire(ref, LoadOptions.defaults()))
        .isInstanceOf(Model2VecException.class);
    for (String f : new String[] {"model.safetensors", "tokenizer.json", "config.json"}) {
      Files.copy(Fixtures.model("test-model-float32").resolve(f), folder.resolve(f));
    }
    try (StaticModel.ModelLease lease = StaticModel.acquire(ref, LoadOptions.defaults())) {
      assertThat(lease.model().dimension()).isEqualTo(2);
    }
  }

  @Test
  void aClosedLeaseRefusesUseAndClosingTwiceIsHarmless() {
    StaticModel.ModelLease lease = StaticModel.acquire(
        Fixtures.model("test-model-float32").toString(), LoadOptions.defaults());
    lease.close();
    lease.close();
    assertThatThrownBy(lease::model).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
