package io.model2vec.index;

import io.model2vec.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Internal: not part of the API (public for the engine adapters). The indexes of this JVM,
 * shared the way its models are, by the core's {@link Shared} helper: an index folder is opened
 * once, by its first holder, shared by every task, slot and thread that holds it, and closed
 * once no one has held it for {@value Shared#IDLE_SECONDS_PROPERTY} seconds (default 300); the
 * next holder opens it again. Its model is shared (and released when idle) the same way.
 *
 * <p>Hold an index once per task, partition or {@code open()}, use it for every row, and close
 * the holder when done.
 */
public final class SharedIndexes {
  private static final Shared<String, VectorIndex> OPEN = Shared.create("index", VectorIndex::close);
  private static final AtomicLong OPENS = new AtomicLong();

  private SharedIndexes() {}

  /**
   * A holder of the JVM's index in {@code folder} (a local path). The key includes the
   * manifest's modification time, so an index rebuilt in the same folder is opened again.
   */
  public static Shared.Holder<VectorIndex> hold(Path folder) {
    Path manifest = folder.resolve(IndexManifest.FILE);
    long modified;
    try {
      modified = Files.getLastModifiedTime(manifest).toMillis();
    } catch (NoSuchFileException e) {
      throw new IndexException(manifest + ": missing: " + (Files.isDirectory(folder)
          ? "not an index folder, or its build did not finish" : "no such folder " + folder));
    } catch (IOException e) {
      throw new IndexException(manifest + ": unreadable: " + e.getMessage(), e);
    }
    Path dir = folder.toAbsolutePath().normalize();
    return OPEN.hold(dir + "@" + modified, key -> {
      VectorIndex index = VectorIndex.open(dir);
      OPENS.incrementAndGet();
      return index;
    });
  }

  /** How many times this JVM has opened an index through here (tests and metrics). */
  public static long openCount() {
    return OPENS.get();
  }

  /** Indexes open now (held, or idle and not yet closed): tests and metrics. */
  public static int size() {
    return OPEN.size();
  }

  /** Closes every index that no one holds now, without waiting for the idle period. */
  public static void dropIdle() {
    OPEN.dropIdle();
  }
}
