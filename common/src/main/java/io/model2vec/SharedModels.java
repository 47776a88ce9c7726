package io.model2vec;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.Objects;

/**
 * One model per (reference, options) per JVM, for {@link ModelReference#shared}: the only place
 * where models are shared, whatever the engine.
 *
 * <p>Two Caffeine caches: {@code inUse} holds models by weak reference, so a model stays one
 * instance for as long as any task, function or thread holds it, and goes away with its last
 * holder (its native tokenizer is then freed by a Cleaner); {@code keepAlive} holds each model
 * strongly for {@code model2vec.cache.idle-seconds} (default 300) after its last request, so that
 * a Spark stage or Flink restart that comes right after the previous one does not load it again.
 * A load runs under a lock of its key alone: concurrent first requests of a model wait for its
 * one load, other models are not held up, and a failed load leaves nothing behind.
 *
 * <p>Only the first request of a task or function comes here; encoding never does.
 */
final class SharedModels {
  /** Seconds a model stays loaded after its last request, so that the next task reuses it. */
  static final String IDLE_SECONDS_PROPERTY = "model2vec.cache.idle-seconds";

  private static final Cache<Key, StaticModel> IN_USE = Caffeine.newBuilder().weakValues().build();
  private static volatile Cache<Key, StaticModel> keepAlive = newKeepAlive();
  /** One lock per key being loaded. */
  private static final java.util.concurrent.ConcurrentMap<Key, Object> LOADING =
      new java.util.concurrent.ConcurrentHashMap<>();

  private SharedModels() {}

  /** The shared model of a reference this JVM reads directly. */
  static StaticModel get(String reference, LoadOptions options) {
    return get(ModelResolver.canonical(reference), reference, options);
  }

  /**
   * The shared model under {@code identity} (a canonical reference, or the name an engine shipped
   * the folder under: the engine may hand out another local path of the same copy later), loaded
   * from {@code reference} on first use.
   */
  static StaticModel get(String identity, String reference, LoadOptions options) {
    Objects.requireNonNull(options, "options must not be null (use LoadOptions.defaults())");
    Key key = new Key(identity, options);
    StaticModel model = IN_USE.getIfPresent(key);
    if (model == null) {
      // Loaded under the key's own lock, outside the cache: a load can take minutes (a hub
      // download), and other models must neither wait for it nor load twice.
      Object lock = LOADING.computeIfAbsent(key, k -> new Object());
      synchronized (lock) {
        model = IN_USE.getIfPresent(key);
        if (model == null) {
          model = ModelResolver.load(reference, options);
          model.markShared();
          IN_USE.put(key, model);
        }
      }
      LOADING.remove(key, lock);
    }
    Cache<Key, StaticModel> recent = keepAlive;
    if (recent != null) {
      recent.put(key, model);
    }
    return model;
  }

  /**
   * Forgets every model held only by the keep-alive (and re-reads the idle period): tests, and
   * users who want the memory back now. Models that someone still holds stay shared.
   */
  static void dropIdle() {
    Cache<Key, StaticModel> old = keepAlive;
    keepAlive = newKeepAlive();
    if (old != null) {
      old.invalidateAll();
    }
    IN_USE.cleanUp();
  }

  /** Models currently shared (held by someone, or kept alive), for tests. */
  static long size() {
    IN_USE.cleanUp();
    return IN_USE.estimatedSize();
  }

  private static Cache<Key, StaticModel> newKeepAlive() {
    long idle = Long.getLong(IDLE_SECONDS_PROPERTY, 300L);
    if (idle <= 0) {
      return null;
    }
    return Caffeine.newBuilder()
        .expireAfterAccess(Duration.ofSeconds(idle))
        .scheduler(Scheduler.systemScheduler())
        .build();
  }

  private static final class Key {
    final String model;
    final LoadOptions options;

    Key(String model, LoadOptions options) {
      this.model = model;
      this.options = options;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && ((Key) o).model.equals(model) && ((Key) o).options.equals(options);
    }

    @Override
    public int hashCode() {
      return model.hashCode() * 31 + options.hashCode();
    }
  }
}
