package io.model2vec;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The process-wide model cache behind {@link StaticModel#acquire}: one model per (reference,
 * options) per JVM, reference-counted, loaded once under the entry's own lock (so two different
 * models load in parallel) and dropped after it has been unused for a grace period.
 *
 * <p>Only acquire and release take locks; encoding never touches this class.
 */
final class ModelCache {
  /** Seconds an unused model stays loaded, so that the next task reuses it. */
  static final String IDLE_SECONDS_PROPERTY = "model2vec.cache.idle-seconds";

  private static final Map<Key, Entry> ENTRIES = new HashMap<>();
  private static final ScheduledExecutorService EVICTOR =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "model2vec-cache-evictor");
        t.setDaemon(true);
        return t;
      });

  private ModelCache() {}

  static StaticModel.ModelLease acquire(String model, LoadOptions options) {
    Objects.requireNonNull(options, "options must not be null (use LoadOptions.defaults())");
    Key key = new Key(ModelResolver.canonical(model), options);
    Entry entry;
    synchronized (ENTRIES) {
      entry = ENTRIES.computeIfAbsent(key, Entry::new);
      entry.refs++;
      if (entry.eviction != null) {
        entry.eviction.cancel(false);
        entry.eviction = null;
      }
    }
    try {
      return new StaticModel.ModelLease(entry, entry.get(model));
    } catch (RuntimeException | Error e) {
      release(entry);
      throw e;
    }
  }

  static void release(Entry entry) {
    synchronized (ENTRIES) {
      if (--entry.refs > 0) {
        return;
      }
      long idle = Long.getLong(IDLE_SECONDS_PROPERTY, 300L);
      if (idle <= 0 || entry.model == null) {
        evict(entry);
      } else {
        entry.eviction = EVICTOR.schedule(() -> {
          synchronized (ENTRIES) {
            if (entry.refs == 0) {
              evict(entry);
            }
          }
        }, idle, TimeUnit.SECONDS);
      }
    }
  }

  /** Drops every model nobody holds right now (tests, and users who want memory back). */
  static void evictIdle() {
    synchronized (ENTRIES) {
      for (Entry e : ENTRIES.values().toArray(new Entry[0])) {
        if (e.refs == 0) {
          evict(e);
        }
      }
    }
  }

  /** Number of models currently held by the cache. */
  static int size() {
    synchronized (ENTRIES) {
      return ENTRIES.size();
    }
  }

  private static void evict(Entry entry) {
    if (entry.eviction != null) {
      entry.eviction.cancel(false);
      entry.eviction = null;
    }
    ENTRIES.remove(entry.key, entry);
    StaticModel m = entry.model;
    if (m != null) {
      m.close();
    }
  }

  static final class Key {
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

  static final class Entry {
    final Key key;
    /** Guarded by ENTRIES. */
    int refs;
    /** Guarded by ENTRIES. */
    ScheduledFuture<?> eviction;
    private volatile StaticModel model;

    Entry(Key key) {
      this.key = key;
    }

    StaticModel get(String reference) {
      StaticModel m = model;
      if (m == null) {
        synchronized (this) {
          m = model;
          if (m == null) {
            m = StaticModel.load(reference, key.options);
            model = m;
          }
        }
      }
      return m;
    }
  }
}
