package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The load-once, share, release-when-idle helper that models and indexes share. */
class SharedTest {
  private final AtomicInteger loads = new AtomicInteger();
  private final List<String> released = new CopyOnWriteArrayList<>();
  private final Shared<String, String> shared = Shared.create("thing", released::add);

  @AfterEach
  void reset() {
    System.clearProperty(Shared.IDLE_SECONDS_PROPERTY);
  }

  private String load(String key) {
    return key + "#" + loads.incrementAndGet();
  }

  @Test
  void everyHolderGetsTheOneValueAndItIsReleasedOnceAfterItsLastHolderAndTheIdlePeriod()
      throws Exception {
    System.setProperty(Shared.IDLE_SECONDS_PROPERTY, "1");
    Shared.Holder<String> a = shared.hold("k", this::load);
    Shared.Holder<String> b = shared.hold("k", this::load);
    assertThat(b.get()).isSameAs(a.get()).isEqualTo("k#1");
    a.close();
    a.close(); // twice is once: b still holds it
    Thread.sleep(1500);
    assertThat(released).as("held by b").isEmpty();
    b.close();
    assertThat(shared.isLoaded("k")).as("idle, not yet released").isTrue();
    Shared.Holder<String> c = shared.hold("k", this::load);
    assertThat(c.get()).as("reused within the idle period").isEqualTo("k#1");
    c.close();
    long start = System.nanoTime();
    waitFor(() -> !released.isEmpty(), 5000);
    assertThat((System.nanoTime() - start) / 1e9).as("after about the idle period")
        .isGreaterThan(0.8);
    assertThat(released).containsExactly("k#1");
    assertThat(shared.isLoaded("k")).isFalse();
    try (Shared.Holder<String> d = shared.hold("k", this::load)) {
      assertThat(d.get()).as("loaded again on next use").isEqualTo("k#2");
    }
    assertThatThrownBy(c::get).isInstanceOf(IllegalStateException.class)
        .hasMessage("this holder of thing k was closed");
  }

  @Test
  void anIdlePeriodOfZeroReleasesWithTheLastHolderAndDropIdleReleasesNow() {
    System.setProperty(Shared.IDLE_SECONDS_PROPERTY, "0");
    shared.hold("zero", this::load).close();
    assertThat(released).containsExactly("zero#1");

    System.setProperty(Shared.IDLE_SECONDS_PROPERTY, "300");
    Shared.Holder<String> held = shared.hold("held", this::load);
    shared.hold("idle", this::load).close();
    shared.dropIdle();
    assertThat(released).containsExactly("zero#1", "idle#3");
    assertThat(shared.isLoaded("held")).isTrue();
    held.close();
  }

  @Test
  void aForgottenHolderLetsGoWhenItIsUnreachable() throws Exception {
    System.setProperty(Shared.IDLE_SECONDS_PROPERTY, "0");
    shared.hold("forgotten", this::load); // never closed
    waitFor(() -> {
      System.gc();
      return !released.isEmpty();
    }, 10_000);
    assertThat(released).containsExactly("forgotten#1");
  }

  @Test
  void aFailedLoadIsNotKept() {
    assertThatThrownBy(() -> shared.hold("bad", k -> {
      throw new IllegalStateException("cannot load " + k);
    })).isInstanceOf(IllegalStateException.class).hasMessage("cannot load bad");
    assertThat(shared.isLoaded("bad")).isFalse();
    try (Shared.Holder<String> h = shared.hold("bad", this::load)) {
      assertThat(h.get()).isEqualTo("bad#1");
    }
    assertThat(released).isEmpty();
  }

  @Test
  void concurrentFirstHoldersLoadOnceAndOtherKeysDoNotWait() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch loading = new CountDownLatch(1);
      CountDownLatch finish = new CountDownLatch(1);
      List<Future<Shared.Holder<String>>> holders = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        holders.add(pool.submit(() -> shared.hold("slow", k -> {
          loading.countDown();
          try {
            finish.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return load(k);
        })));
      }
      loading.await();
      try (Shared.Holder<String> other = shared.hold("fast", this::load)) {
        assertThat(other.get()).as("not held up by the slow load").startsWith("fast#");
      }
      finish.countDown();
      String value = holders.get(0).get().get();
      for (Future<Shared.Holder<String>> f : holders) {
        assertThat(f.get().get()).isSameAs(value);
      }
      for (Future<Shared.Holder<String>> f : holders) {
        f.get().close();
      }
      assertThat(loads).hasValue(2);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void waitFor(BooleanSupplier condition, long millis) throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("not within " + millis + " ms");
      }
      Thread.sleep(20);
    }
  }
}
