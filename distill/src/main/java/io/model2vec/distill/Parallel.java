package io.model2vec.distill;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Splits an index range {@code [0, n)} into one contiguous chunk per thread and runs them at once
 * (the last chunk on the calling thread). Training stays deterministic because every index writes
 * only its own slots: what the threads compute is the same, whatever their number.
 */
final class Parallel implements AutoCloseable {
  /** The work of one chunk, {@code [from, to)}. */
  interface Range {
    void run(int from, int to);
  }

  /** A single thread: every range runs on the caller's thread. */
  static final Parallel SERIAL = new Parallel(1);

  final int threads;
  private final ExecutorService pool;

  Parallel(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    this.threads = threads;
    this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
      Thread t = new Thread(r, "model2vec-train");
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code body} over {@code [0, n)} and returns once every chunk has run. */
  void forRange(int n, Range body) {
    int chunks = Math.min(threads, n);
    if (chunks <= 1) {
      body.run(0, n);
      return;
    }
    List<Future<?>> jobs = new ArrayList<>(chunks - 1);
    for (int c = 0; c < chunks - 1; c++) {
      int from = (int) ((long) n * c / chunks);
      int to = (int) ((long) n * (c + 1) / chunks);
      jobs.add(pool.submit(() -> body.run(from, to)));
    }
    body.run((int) ((long) n * (chunks - 1) / chunks), n);
    for (Future<?> j : jobs) {
      try {
        j.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("training was interrupted", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException) {
          throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
          throw (Error) cause;
        }
        throw new IllegalStateException(cause);
      }
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
