package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shared models with other options are views of one loaded table and tokenizer: the same
 * objects, and no more memory than one table.
 */
class ModelViewsTest {
  private static final List<String> TEXTS = List.of("It's dangerous to go alone!",
      "Take this: a longer sentence, so that every dimension of the table gets a say in it.",
      "Ünïcödé and émoji 🙂 too", "");

  @Test
  void viewsOfTheBuiltInModelShareOneTableAndTheHeapHoldsItOnce() {
    // the built-in model's folder (common's tests do not have its artifact on the classpath)
    String ref = Fixtures.repo().resolve("default-model/src/main/resources/model2vec/default-model")
        .toString();
    long loadsBefore = StaticModel.loadCount();
    long before = usedHeapAfterGc();
    StaticModel full = StaticModel.shared(ref, LoadOptions.defaults());
    long afterFirst = usedHeapAfterGc();
    StaticModel raw = StaticModel.shared(ref, LoadOptions.builder().normalize(false).build());
    StaticModel small = StaticModel.shared(ref, LoadOptions.builder().normalize(false)
        .dimensions(128).maxLength(64).build());
    long afterViews = usedHeapAfterGc();
    long table = full.tableBytes();
    System.out.printf("built-in model, %s table of %.1f MB: heap %.1f MB before, +%.1f MB with "
        + "the first view, +%.2f MB with two more views (normalize=false; normalize=false, "
        + "dimensions=128, maxLength=64)%n", full.tableDtype(), table / 1e6, before / 1e6,
        (afterFirst - before) / 1e6, (afterViews - afterFirst) / 1e6);

    assertThat(StaticModel.loadCount() - loadsBefore).as("files loaded once").isEqualTo(1);
    assertThat(raw).isNotSameAs(full);
    assertThat(small).isNotSameAs(raw);
    for (StaticModel view : List.of(raw, small)) {
      assertThat(view.loaded()).isSameAs(full.loaded());
      assertThat(view.loaded().table).isSameAs(full.loaded().table);
      assertThat(view.loaded().tokenizer).isSameAs(full.loaded().tokenizer);
    }
    assertThat(full.tableDtype()).isEqualTo("I8");
    assertThat(afterFirst - before).as("the first view loads the table")
        .isGreaterThan(table * 9 / 10);
    assertThat(afterViews - afterFirst).as("two more views add no table").isLessThan(2_000_000);

    assertThat(small.dimension()).isEqualTo(128);
    assertThat(small.maxLength()).isEqualTo(64);
    assertThat(full.normalizes()).isTrue();
    assertThat(raw.normalizes()).isFalse();
    for (String text : TEXTS) {
      float[] all = raw.encode(text);
      assertThat(small.encode(text)).as(text).containsExactly(Arrays.copyOf(all, 128));
    }
  }

  @Test
  void fewerDimensionsPoolTheFirstColumnsOfEveryDtype() {
    for (String fixture : List.of("test-model-float32", "test-model-float16", "test-model-int8",
        "test-model-vocab-quantized")) {
      String ref = Fixtures.model(fixture).toString();
      StaticModel all = StaticModel.shared(ref, LoadOptions.builder().normalize(false).build());
      int dims = Math.max(1, all.dimension() / 2);
      StaticModel first = StaticModel.shared(ref, LoadOptions.builder().normalize(false)
          .dimensions(dims).build());
      assertThat(first.loaded()).as(fixture).isSameAs(all.loaded());
      for (String text : TEXTS) {
        assertThat(first.encode(text)).as(fixture + ": " + text)
            .containsExactly(Arrays.copyOf(all.encode(text), dims));
      }
    }
  }

  @Test
  void optionsTheModelRefusesLeaveNoHoldBehind() {
    // a model no other test here shares: no view of it is left from another test
    String ref = Fixtures.model("test-model-sentence-transformers").toString();
    assertThatThrownBy(() -> StaticModel.shared(ref, LoadOptions.builder().dimensions(999).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dimensions must be <= the model's 2 dimensions, was 999");
    assertThat(SharedModels.isLoaded(ModelResolver.canonical(ref), LoadOptions.defaults()))
        .as("loaded, and idle").isTrue();
    SharedModels.dropIdle(); // no view holds it: released now, without waiting for a collection
    assertThat(SharedModels.isLoaded(ModelResolver.canonical(ref), LoadOptions.defaults()))
        .isFalse();
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    // the lowest of a few collections: a collection may leave some garbage behind
    for (int i = 0; i < 4; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
