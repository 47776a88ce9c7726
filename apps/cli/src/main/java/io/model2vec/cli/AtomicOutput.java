package io.model2vec.cli;

import io.model2vec.app.CliFailure;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An output file that appears whole or not at all: the bytes go to a hidden temporary file in
 * the same directory (so the final rename is atomic), which {@link #commit} renames over the
 * target; {@link #close} without a commit deletes it, and so does a shutdown hook when the JVM is
 * stopped (Ctrl-C) in between. An existing file is replaced only by a commit, and keeps its
 * permissions. A target that exists and is not a regular file (/dev/null, a named pipe) is
 * written in place: it cannot be replaced.
 */
final class AtomicOutput implements Closeable {
  private final Path target;
  private final Path temp;
  private final OutputStream stream;
  private final Thread cleanup;
  private boolean done;

  private AtomicOutput(Path target, Path temp, OutputStream stream) {
    this.target = target;
    this.temp = temp;
    this.stream = stream;
    if (temp != null) {
      cleanup = new Thread(this::deleteTemp, "model2vec-output-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanup);
    } else {
      cleanup = null;
    }
  }

  /**
   * Opens {@code path} for writing; the failure message names the file and the problem
   * ("cannot create output X: no such directory", "output X is a directory", ...).
   */
  static AtomicOutput open(Path path, String what) {
    if (Files.isDirectory(path)) {
      throw new CliFailure(what + " " + path + " is a directory");
    }
    Path target = path;
    try {
      if (Files.isSymbolicLink(path) && Files.exists(path)) {
        target = path.toRealPath(); // write the link's file, keep the link
      }
      if (Files.exists(target) && !Files.isRegularFile(target)) {
        return new AtomicOutput(target, null, Files.newOutputStream(target));
      }
      Path dir = target.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        throw new CliFailure("cannot create " + what + " " + path + ": no such directory");
      }
      Path temp = dir.resolve("." + target.getFileName() + ".tmp-"
          + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
      OutputStream out = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      try {
        if (Files.exists(target)) {
          Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(target));
        }
      } catch (UnsupportedOperationException | IOException notPosix) {
        // the new file keeps the default permissions
      }
      return new AtomicOutput(target, temp, out);
    } catch (IOException e) {
      throw new CliFailure("cannot create " + what + " " + path + ": " + reason(e));
    }
  }

  OutputStream stream() {
    return stream;
  }

  /** Closes the stream and renames the temporary file over the target. */
  void commit() throws IOException {
    stream.close();
    if (temp != null) {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    }
    done = true;
    removeHook();
  }

  /** Without a commit: closes the stream and deletes the temporary file. */
  @Override
  public void close() {
    if (done) {
      return;
    }
    done = true;
    try {
      stream.close();
    } catch (IOException ignored) {
      // the run already failed; the temporary file goes anyway
    }
    deleteTemp();
    removeHook();
  }

  private void deleteTemp() {
    if (temp != null) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // nothing more to do while failing or exiting
      }
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

  /** "no such file", "permission denied", ... for a file system error. */
  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
      return ((FileSystemException) e).getReason();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
