package io.model2vec.flink.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * The output folder of a {@code flink-enrich} run. A bounded run writes into a hidden folder
 * beside it (same file system, so renames are atomic); {@link #publish} renames that folder to
 * the target, or, when the target already exists, moves each part file into it (each one
 * atomically; part names hold a per-run id, so they never clash). {@link #close} without a
 * publish deletes the hidden folder, as does a shutdown hook on Ctrl-C: a failed run adds
 * nothing. An unbounded run (--monitor-interval) writes into the target itself: its files are
 * committed on checkpoints, the streaming form of the same promise.
 */
final class StagedFolder {
  private final Path target;
  private final Path staging;
  private final Thread cleanup;
  private boolean done;

  private StagedFolder(Path target, Path staging) {
    this.target = target;
    this.staging = staging;
    if (staging != null) {
      cleanup = new Thread(this::deleteStaging, "flink-enrich-output-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanup);
    } else {
      cleanup = null;
    }
  }

  /** Checks {@code folder} and, for a bounded run, creates the hidden folder beside it. */
  static StagedFolder open(Path folder, String what, boolean staged) {
    if (Files.exists(folder) && !Files.isDirectory(folder)) {
      throw new IllegalArgumentException(what + " " + folder + " is not a directory");
    }
    Path parent = folder.toAbsolutePath().normalize().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new IllegalArgumentException("cannot create " + what + " " + folder
          + ": no such directory");
    }
    if (!staged) {
      return new StagedFolder(folder, null);
    }
    Path staging = parent.resolve("." + folder.toAbsolutePath().normalize().getFileName()
        + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
    try {
      Files.createDirectory(staging);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot create " + what + " " + folder + ": "
          + (e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e));
    }
    return new StagedFolder(folder, staging);
  }

  /** Where the sink writes. */
  Path sinkFolder() {
    return staging == null ? target : staging;
  }

  /** Makes the bounded run's files visible in the target folder. */
  void publish() throws IOException {
    if (staging != null) {
      // in-progress files of a finished job are gone; a hidden leftover is not output
      try (Stream<Path> files = Files.list(staging)) {
        for (Path f : files.filter(f -> f.getFileName().toString().startsWith(".")).toList()) {
          Files.delete(f);
        }
      }
      if (!Files.exists(target)) {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } else {
        List<Path> parts;
        try (Stream<Path> files = Files.list(staging)) {
          parts = files.toList();
        }
        for (Path f : parts) {
          Files.move(f, target.resolve(f.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        }
        Files.delete(staging);
      }
    }
    done = true;
    removeHook();
  }

  /** Without a publish: deletes the hidden folder. */
  void close() {
    if (!done) {
      done = true;
      deleteStaging();
      removeHook();
    }
  }

  private void deleteStaging() {
    if (staging == null || !Files.exists(staging)) {
      return;
    }
    try (Stream<Path> all = Files.walk(staging)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + staging, e);
    }
  }

  private void removeHook() {
    if (cleanup != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }
}
