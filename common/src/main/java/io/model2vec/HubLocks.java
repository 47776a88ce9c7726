package io.model2vec;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub cache's locks: one per blob, so that executors sharing a cache download a file once.
 * File locks exclude other processes (and other class loaders' copies of this class, which see
 * OverlappingFileLockException); threads of this class loader also take an in-process lock. Both
 * waits end after {@code MODEL2VEC_HUB_LOCK_TIMEOUT}, with an error naming the holder, whose pid
 * and host the lock file holds.
 */
final class HubLocks {
  private static final Logger LOG = LoggerFactory.getLogger(HubLocks.class);
  private static final ConcurrentMap<Path, ReentrantLock> BLOB_LOCKS = new ConcurrentHashMap<>();

  /** What runs under a blob's lock. */
  interface Locked {
    void run() throws IOException, HubIoException;
  }

  private HubLocks() {}

  /**
   * Runs {@code download} under the locks of {@code blob} ({@code <blob>.lock}) unless the blob
   * is there once they are held (another thread or process downloaded it meanwhile).
   */
  static void unlessPresent(Path blob, long timeoutMillis, Locked download) throws HubIoException {
    Path lockFile = blob.resolveSibling(blob.getFileName() + ".lock");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    ReentrantLock jvmLock = BLOB_LOCKS.computeIfAbsent(blob, k -> new ReentrantLock());
    try {
      if (!jvmLock.tryLock(timeoutMillis, TimeUnit.MILLISECONDS)) {
        throw timeout(lockFile, timeoutMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Model2VecException("interrupted while waiting for the lock " + lockFile, e);
    }
    try {
      Files.createDirectories(blob.getParent());
      HubCache.refuseLink(lockFile, false);
      // O_NOFOLLOW: a lock file swapped for a link meanwhile fails to open instead of being
      // truncated through the link
      try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
          StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        FileLock lock = acquire(channel, lockFile, deadline, timeoutMillis);
        try {
          if (HubCache.present(blob)) {
            return;
          }
          // who holds the lock, for the message of a process that waits too long
          channel.truncate(0);
          channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on host "
              + Host.NAME + " since " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
          download.run();
        } finally {
          lock.release();
        }
      }
    } catch (IOException e) {
      throw new HubIoException("could not store " + blob + ": " + e, e);
    } finally {
      jvmLock.unlock();
    }
  }

  private static FileLock acquire(FileChannel channel, Path lockFile, long deadline,
      long timeoutMillis) throws IOException, HubIoException {
    boolean logged = false;
    while (true) {
      try {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return lock;
        }
      } catch (OverlappingFileLockException e) {
        // held in this JVM through another class loader: wait as for another process
      }
      if (!logged) {
        LOG.info("Waiting for the lock {}, held by {}", lockFile, holder(lockFile));
        logged = true;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw timeout(lockFile, timeoutMillis);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Model2VecException("interrupted while waiting for the lock " + lockFile, e);
      }
    }
  }

  private static HubIoException timeout(Path lockFile, long timeoutMillis) {
    return new HubIoException("waited " + HubHttp.seconds((int) Math.min(timeoutMillis,
        Integer.MAX_VALUE)) + " s for the lock " + lockFile + ", held by " + holder(lockFile)
        + " (" + Settings.HUB_LOCK_TIMEOUT.environment() + " sets how many seconds to wait)");
  }

  private static String holder(Path lockFile) {
    try {
      String s = Files.readString(lockFile).trim();
      return s.isEmpty() ? "an unknown process" : HubClient.shown(s);
    } catch (IOException e) {
      return "an unknown process";
    }
  }

  /** This host's name, looked up once, for the lock file. */
  private static final class Host {
    static final String NAME = lookup();

    private static String lookup() {
      String env = Settings.HOSTNAME.get();
      if (env != null) {
        return env;
      }
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "unknown";
      }
    }
  }
}
