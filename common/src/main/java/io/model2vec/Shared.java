package io.model2vec;

import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: not part of the API (public only for the index and the engine adapters, which live in
 * other packages). Load once, share, release when idle: the one place where this JVM shares what
 * is expensive to load, models (their tables and tokenizers, {@link SharedModels}) and indexes
 * alike.
 *
 * <p>{@link #hold} returns a {@link Holder} of the value for a key: the first holder of a key
 * loads the value (under the key's own future, so other keys never wait for it, and a failed
 * load is not kept: the next holder tries again), every later holder gets the same value. The
 * value stays loaded while anyone holds it, and for {@value #IDLE_SECONDS_PROPERTY} seconds
 * (default 300) after its last holder let go, so that a Spark task or Flink restart right after
 * the previous one does not load it again; then it is forgotten and handed to the release action
 * (an index is closed). An idle period of 0 or less releases a value as soon as its last holder
 * lets go.
 *
 * <p>Holders are counted: {@link Holder#close()} lets go, once. A holder that is dropped without
 * being closed lets go when it becomes unreachable (a {@link Cleaner}), so a forgotten holder
 * delays a release but never prevents it; keep the holder reachable for as long as you use its
 * value. Taking and closing a holder locks its key's entry briefly; reading the value does not:
 * hold once per task, partition or {@code open()}, then use the value for every row.
 */
public final class Shared<K, V> {
  /** Seconds a value stays loaded after its last holder let go, so that the next task reuses it. */
  public static final String IDLE_SECONDS_PROPERTY = "model2vec.cache.idle-seconds";

  private static final Logger LOG = LoggerFactory.getLogger(Shared.class);
  private static final Cleaner CLEANER = Cleaner.create();

  private final String what;
  private final Consumer<? super V> release;
  private final ConcurrentMap<K, Entry<K, V>> entries = new ConcurrentHashMap<>();

  private Shared(String what, Consumer<? super V> release) {
    this.what = what;
    this.release = release;
  }

  /**
   * A new set of shared values; {@code what} names them in errors and logs ("model", "index"),
   * {@code release} runs once per value when it is released (e.g. {@code VectorIndex::close}; a
   * no-op for values the garbage collector frees by itself).
   */
  public static <K, V> Shared<K, V> create(String what, Consumer<? super V> release) {
    return new Shared<>(Objects.requireNonNull(what, "what must not be null"),
        Objects.requireNonNull(release, "release must not be null (use v -> { } for none)"));
  }

  /**
   * A holder of the value of {@code key}: loaded now by {@code load} if no one holds it and it
   * was released (or never loaded), else the value every other holder has. Close the holder when
   * done. Errors of {@code load} are thrown as they are, to every holder that waited for it.
   */
  public Holder<V> hold(K key, Function<? super K, ? extends V> load) {
    Objects.requireNonNull(key, "key must not be null");
    Objects.requireNonNull(load, "load must not be null");
    while (true) {
      Entry<K, V> e = entries.computeIfAbsent(key, k -> new Entry<>(this, k));
      if (!e.take()) {
        entries.remove(key, e); // released between the lookup and the hold: make a new one
        continue;
      }
      V value;
      try {
        value = e.value(load);
      } catch (RuntimeException | Error failed) {
        e.loadFailed();
        throw failed;
      }
      return new Holder<>(value, e);
    }
  }

  /** Releases every value that no one holds now, without waiting for its idle period. */
  public void dropIdle() {
    for (Entry<K, V> e : entries.values()) {
      e.releaseIfIdle(-1);
    }
  }

  /** Values loaded (held, or idle and not yet released): for tests and metrics. */
  public int size() {
    return entries.size();
  }

  /** Whether the value of {@code key} is loaded (held, or idle and not yet released). */
  public boolean isLoaded(K key) {
    return entries.containsKey(key);
  }

  @Override
  public String toString() {
    return "Shared{" + what + ", " + entries.size() + " loaded}";
  }

  /**
   * The idle period, read whenever a value's last holder lets go, so that a change applies to
   * the next release.
   */
  static long idleSeconds() {
    return Settings.CACHE_IDLE_SECONDS.get();
  }

  /**
   * One key's value and its holders. Its monitor guards the holder count and the release; it is
   * taken when a holder comes or goes, never while a value is read.
   */
  private static final class Entry<K, V> {
    private final Shared<K, V> owner;
    private final K key;
    private final CompletableFuture<V> future = new CompletableFuture<>();
    private boolean loading;
    private int holders;
    private boolean released;
    /** When the last holder let go (nanoTime); meaningful while holders == 0. */
    private long idleSince;
    /** Whether a release check is scheduled: at most one per entry, however often it idles. */
    private boolean checkScheduled;

    Entry(Shared<K, V> owner, K key) {
      this.owner = owner;
      this.key = key;
    }

    /** Counts one more holder, unless the entry was released. */
    synchronized boolean take() {
      if (released) {
        return false;
      }
      holders++;
      return true;
    }

    /** The value: loaded by the first caller, awaited by the others. */
    V value(Function<? super K, ? extends V> load) {
      boolean mine;
      synchronized (this) {
        mine = !loading;
        loading = true;
      }
      if (mine) {
        try {
          V v = Objects.requireNonNull(load.apply(key), () -> "loading " + owner.what + " "
              + key + " gave null");
          future.complete(v);
        } catch (RuntimeException | Error e) {
          future.completeExceptionally(e);
          throw e;
        }
      }
      try {
        return future.join();
      } catch (CompletionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException) {
          throw (RuntimeException) c;
        }
        if (c instanceof Error) {
          throw (Error) c;
        }
        throw e;
      }
    }

    /** A failed load leaves nothing behind: the next holder loads again. */
    void loadFailed() {
      synchronized (this) {
        holders--;
        released = true;
      }
      owner.entries.remove(key, this);
    }

    /** One holder let go: at the last one, the idle period starts. */
    void let() {
      synchronized (this) {
        if (--holders > 0 || released) {
          return;
        }
        idleSince = System.nanoTime();
        long seconds = idleSeconds();
        if (seconds > 0) {
          if (!checkScheduled) { // else the scheduled check sees the new idleSince and waits on
            checkScheduled = true;
            schedule(new WeakReference<>(this), TimeUnit.SECONDS.toNanos(seconds));
          }
          return;
        }
      }
      releaseIfIdle(0);
    }

    /**
     * Runs {@link #check} in {@code nanos}, on the JDK's shared delayed executor (no thread of our
     * own, which would pin the class loader of a Flink job that brought this class). The check
     * refers to its entry weakly: a released entry, and its value, are not kept until it runs.
     */
    private static void schedule(WeakReference<Entry<?, ?>> entry, long nanos) {
      CompletableFuture.runAsync(() -> {
        Entry<?, ?> e = entry.get();
        if (e != null) {
          e.check();
        }
      }, CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS));
    }

    /** The scheduled check: releases the value, or waits for the rest of the idle period. */
    private void check() {
      long idleNanos = TimeUnit.SECONDS.toNanos(Math.max(0, idleSeconds()));
      synchronized (this) {
        checkScheduled = false;
        if (holders > 0 || released) {
          return; // held again: the next last holder schedules anew
        }
        long wait = idleSince + idleNanos - System.nanoTime();
        if (wait > 0) {
          checkScheduled = true;
          schedule(new WeakReference<>(this), wait);
          return;
        }
      }
      releaseIfIdle(idleNanos);
    }

    /**
     * Releases the value if no one holds it and it has been idle for {@code minIdleNanos}
     * ({@code -1}: whatever the idle time, for {@link Shared#dropIdle}).
     */
    void releaseIfIdle(long minIdleNanos) {
      synchronized (this) {
        if (holders > 0 || released || !future.isDone() || future.isCompletedExceptionally()
            || (minIdleNanos > 0 && System.nanoTime() - idleSince < minIdleNanos)) {
          return;
        }
        released = true;
      }
      owner.entries.remove(key, this);
      V value = future.join();
      try {
        owner.release.accept(value);
        LOG.debug("Released idle {} {}", owner.what, key);
      } catch (RuntimeException e) {
        // released anyway: it is no longer shared, and the next holder loads a new one
        LOG.warn("Releasing idle {} {} failed: {}", owner.what, key, e.toString());
      }
    }
  }

  /**
   * One holder of a shared value: {@link #get} it as often as needed (no lock), {@link #close}
   * when done. Thread-safe; closing twice is closing once.
   */
  public static final class Holder<V> implements AutoCloseable {
    private final V value;
    private final Letting letting;
    private final Cleaner.Cleanable cleanable;

    private Holder(V value, Entry<?, V> entry) {
      this.value = value;
      this.letting = new Letting(entry);
      this.cleanable = CLEANER.register(this, letting);
    }

    /** The shared value; do not use it after {@link #close}. */
    public V get() {
      if (letting.done) {
        throw new IllegalStateException("this holder of " + letting.entry.owner.what + " "
            + letting.entry.key + " was closed");
      }
      return value;
    }

    /** Whether this holder has not been closed yet. */
    public boolean isOpen() {
      return !letting.done;
    }

    /** Lets go of the value (once): the last holder to let go starts its idle period. */
    @Override
    public void close() {
      cleanable.clean();
    }

    @Override
    public String toString() {
      return "Holder{" + letting.entry.owner.what + " " + letting.entry.key
          + (letting.done ? ", closed}" : "}");
    }
  }

  /** What a holder does when closed or unreachable; must not refer to the holder itself. */
  private static final class Letting implements Runnable {
    final Entry<?, ?> entry;
    volatile boolean done;

    Letting(Entry<?, ?> entry) {
      this.entry = entry;
    }

    @Override
    public void run() {
      done = true;
      entry.let();
    }
  }
}
