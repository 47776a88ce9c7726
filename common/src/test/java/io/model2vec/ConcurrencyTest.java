package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One shared model, many threads: bitwise the same vectors as one thread; loads happen once. */
class ConcurrencyTest {
  @TempDir
  java.nio.file.Path tmp;

  private final ExecutorService pool = Executors.newFixedThreadPool(16);

  @AfterEach
  void shutdown() {
    pool.shutdownNow();
  }

  @Test
  void sixteenThreadsGiveTheSameVectorsAsOne() throws Exception {
    List<String> corpus = Fixtures.fortuneTexts(2000);
    for (String name : new String[] {"test-model-float32", "test-model-vocab-quantized"}) {
      try (StaticModel model = StaticModel.load(Fixtures.model(name))) {
        float[][] single = new float[corpus.size()][];
        for (int i = 0; i < corpus.size(); i++) {
          single[i] = model.encode(corpus.get(i));
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Future<float[][]>> results = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
          int shift = t * 97;
          results.add(pool.submit(() -> {
            start.await();
            float[][] out = new float[corpus.size()][];
            for (int k = 0; k < corpus.size(); k++) {
              int i = (k + shift) % corpus.size(); // different threads on different texts
              out[i] = model.encode(corpus.get(i));
            }
            return out;
          }));
        }
        start.countDown();
        for (Future<float[][]> f : results) {
          assertThat(f.get()).isDeepEqualTo(single);
        }
        assertThat(model.encode(corpus, pool, 4)).isDeepEqualTo(single);
        float[] buffer = new float[corpus.size() * model.dimension()];
        StaticModel.TokenCounter counter = new StaticModel.TokenCounter();
        for (int i = 0; i < corpus.size(); i++) {
          model.encodeInto(corpus.get(i), buffer, i * model.dimension(), counter);
        }
        for (int i = 0; i < corpus.size(); i++) {
          assertThat(java.util.Arrays.copyOfRange(buffer, i * model.dimension(),
              (i + 1) * model.dimension())).containsExactly(single[i]);
        }
        assertThat(counter.texts()).isEqualTo(corpus.size());
        assertThat(counter.tokens()).isGreaterThan(corpus.size());
      }
    }
  }

  @Test
  void concurrentFirstUseOfTheSharedCacheLoadsOnce() throws Exception {
    // a folder no other test loads (other options of a loaded folder are views of that load)
    String ref = Fixtures.modelCopy("test-model-float32", tmp.resolve("model")).toString();
    LoadOptions options = LoadOptions.builder().dimensions(1).build();
    long before = StaticModel.loadCount();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<StaticModel>> models = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      models.add(pool.submit(() -> {
        start.await();
        return StaticModel.shared(ref, options);
      }));
    }
    start.countDown();
    StaticModel first = models.get(0).get();
    for (Future<StaticModel> f : models) {
      assertThat(f.get()).isSameAs(first);
    }
    assertThat(StaticModel.loadCount() - before).isEqualTo(1);
    // another spelling of the same folder is the same model
    assertThat(StaticModel.shared(java.nio.file.Paths.get(ref).toUri().toString(), options))
        .isSameAs(first);
  }
}
