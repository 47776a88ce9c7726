package io.model2vec.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.ModelReference;
import io.model2vec.Shared;
import io.model2vec.StaticModel;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.lucene.store.AlreadyClosedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Indexes are shared by the core's helper, as models are: opened once, closed once idle, opened
 * again on next use; and one idle setting releases an index and its model alike.
 */
class SharedIndexesTest {
  /** A model no other test of this module loads, so that its loads are this test's. */
  private static final ModelReference MODEL =
      ModelReference.of(Fixtures.model("test-model-int8").toString());
  private static final List<String> TEXTS = List.of("hello world", "goodbye world", "hello there");

  @TempDir
  Path tmp;

  @AfterEach
  void reset() {
    System.clearProperty(Shared.IDLE_SECONDS_PROPERTY);
  }

  @Test
  void anIdleIndexIsClosedAndReopenedOnNextUseAndItsModelIsReleasedByTheSameHelper()
      throws Exception {
    System.setProperty(Shared.IDLE_SECONDS_PROPERTY, "1");
    // a model of its own: no other test's view of the same files can keep it loaded
    String own = Fixtures.modelCopy("test-model-int8", tmp.resolve("model")).toString();
    Path folder = TestIndexes.build(tmp.resolve("idx"), ModelReference.of(own), TEXTS, 1,
        Quantization.NONE);
    long opens = SharedIndexes.openCount();
    VectorIndex old = useTwiceThenLetGo(folder);
    assertThat(SharedIndexes.openCount() - opens).as("opened once for both holders").isEqualTo(1);

    Thread.sleep(2000); // the idle period (1 s) and some
    assertClosed(old);
    // The closed index held the only view of its model: once it is collected, its loaded model
    // is released after the same idle period, by the same helper.
    WeakReference<VectorIndex> first = new WeakReference<>(old);
    old = null;
    waitFor(() -> {
      System.gc();
      return first.get() == null;
    });
    // then its model: the views' cleaners run, then the idle period (1 s) passes
    waitFor(() -> {
      System.gc();
      return !Fixtures.modelLoaded(own);
    });
    long loads = StaticModel.loadCount();
    try (Shared.Holder<VectorIndex> again = SharedIndexes.hold(folder)) {
      assertThat(SharedIndexes.openCount() - opens).as("reopened on next use").isEqualTo(2);
      assertThat(again.get().search("hello world", 1).get(0).text()).isEqualTo("hello world");
      assertThat(StaticModel.loadCount() - loads).as("its model, released and loaded again")
          .isEqualTo(1);
    }
  }

  private static void assertClosed(VectorIndex index) {
    assertThatThrownBy(() -> index.exactSearch(new float[index.dimensions()], 1))
        .as("the idle index was closed").isInstanceOf(AlreadyClosedException.class);
  }

  /** Two holders of one index, a search, then both let go; returns the (shared) index. */
  private static VectorIndex useTwiceThenLetGo(Path folder) {
    try (Shared.Holder<VectorIndex> a = SharedIndexes.hold(folder);
        Shared.Holder<VectorIndex> b = SharedIndexes.hold(folder)) {
      assertThat(b.get()).isSameAs(a.get());
      assertThat(a.get().search("goodbye world", 1).get(0).text()).isEqualTo("goodbye world");
      return a.get();
    }
  }

  @Test
  void aMissingIndexIsOneLineAndNotKept() throws Exception {
    Path none = tmp.resolve("none");
    assertThatThrownBy(() -> SharedIndexes.hold(none)).isInstanceOf(IndexException.class)
        .hasMessage(none.resolve(IndexManifest.FILE) + ": missing: no such folder " + none);
    Path folder = TestIndexes.build(tmp.resolve("late"), MODEL, TEXTS, 1, Quantization.NONE);
    try (Shared.Holder<VectorIndex> h = SharedIndexes.hold(folder)) {
      assertThat(h.get().size()).isEqualTo(3);
    }
  }

  private static void waitFor(BooleanSupplier condition) throws InterruptedException {
    long end = System.currentTimeMillis() + 30_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("not within 30 s");
      }
      Thread.sleep(100);
    }
  }
}
