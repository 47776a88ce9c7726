package io.model2vec.spark;

import io.model2vec.index.IndexManifest;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.ShutdownHookManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: not part of the public API; may change without notice.
 *
 * <p>An output folder that is replaced, never deleted first: the job writes into a hidden staging
 * folder beside the output ({@code .NAME.m2v-staging-UUID}, same parent, so the same file system
 * and a rename that is a metadata operation on HDFS and local disks), and {@link #commit} swaps
 * it in only when the job succeeded. Until then an existing output stays as it was; a failed job,
 * an exception or Ctrl-C ({@link #close} and a shutdown hook) delete the staging folder. Only a
 * {@code kill -9} can leave one behind, which no later run reads.
 *
 * <p>The swap is two renames (old aside, new in place) and a delete: on HDFS and local disks a
 * reader sees the old folder, then for an instant none, then the new one, never a mixture. On
 * object stores (S3A, GCS, ABFS without hierarchical namespace) a folder rename is a copy and a
 * delete per file, so the swap is not atomic there: readers may see part of the new output while
 * it is copied.
 *
 * <p>{@link #open} also refuses, with one line, an output that is, contains or lies inside one of
 * the job's inputs, and an existing folder that this project did not write (a Spark output must
 * hold {@code _SUCCESS} and only Spark's part files; an index, a {@code manifest.json} that reads
 * as an index's with its shard folders, or the index marker file).
 */
public final class ReplaceableOutput implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplaceableOutput.class);

  /** What the output folder holds, and so how an existing one is recognised as ours. */
  public enum Kind {
    /** Files written by Spark's own writer (Parquet, JSON): {@code _SUCCESS} and part files. */
    SPARK_FILES("output"),
    /** A vector index: {@code manifest.json} and its shard folders. */
    INDEX("index output");

    private final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** What Spark's file commit protocols leave in an output folder besides data. */
  private static final Pattern SPARK_FILE = Pattern.compile(
      "part-.*|_SUCCESS|\\..*\\.crc|_committed_.*|_started_.*|_common_metadata|_metadata");

  private final FileSystem fs;
  private final Path target;
  private final Path staging;
  private final String label;
  private final Runnable cleanup;
  /** The thread that opened the output: the job's, which writes into the staging folder. */
  private final Thread owner = Thread.currentThread();
  private volatile boolean finished;

  /**
   * The cleanup's place among Hadoop's shutdown hooks, which run one after another, highest
   * first: after Spark's (priority 40: it stops the SparkContext, and with it the tasks that
   * write into the staging folder and would make it again after a delete), before the file
   * systems close (10).
   */
  static final int CLEANUP_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 20;

  private ReplaceableOutput(FileSystem fs, Path target, Path staging, String label) {
    this.fs = fs;
    this.target = target;
    this.staging = staging;
    this.label = label;
    this.cleanup = this::deleteStagingOnShutdown;
  }

  /**
   * Checks {@code output} against the rules above and reserves a staging folder beside it.
   *
   * @param output the output folder (local path or Hadoop URI), as the user gave it
   * @param overwrite whether an existing output of this kind may be replaced
   * @param kind what the folder holds
   * @param inputs the job's inputs (folders, files or globs; Hadoop URIs or local paths)
   * @throws IllegalArgumentException for an output that may not be written, with one line
   */
  public static ReplaceableOutput open(Configuration conf, String output, boolean overwrite,
      Kind kind, Collection<String> inputs) {
    Path given = new Path(output);
    try {
      FileSystem fs = given.getFileSystem(conf);
      Path target = fs.makeQualified(given);
      if (target.getParent() == null || target.getName().isEmpty()) {
        throw new IllegalArgumentException(kind.label + " " + output
            + " is the root of its file system: name a folder inside it");
      }
      for (String input : inputs) {
        checkApart(conf, fs, target, output, input);
      }
      FileStatus existing = status(fs, target);
      if (existing != null) {
        if (!overwrite) {
          throw new IllegalArgumentException(kind.label + " " + output
              + " exists; choose a new folder or overwrite");
        }
        if (!existing.isDirectory()) {
          throw new IllegalArgumentException(kind.label + " " + output
              + " is a file, not a folder this job wrote: not replaced");
        }
        String foreign = kind == Kind.INDEX ? notAnIndex(fs, target) : notSparkOutput(fs, target);
        if (foreign != null) {
          throw new IllegalArgumentException(kind.label + " " + output + " " + foreign
              + ": not replaced (--overwrite replaces only what this project wrote; remove it "
              + "yourself or choose a new folder)");
        }
      }
      Path staging = new Path(target.getParent(),
          "." + target.getName() + ".m2v-staging-" + UUID.randomUUID());
      ReplaceableOutput out = new ReplaceableOutput(fs, target, staging, kind.label);
      ShutdownHookManager.get().addShutdownHook(out.cleanup, CLEANUP_PRIORITY);
      if (kind == Kind.INDEX && !fs.mkdirs(staging)) {
        out.close();
        throw new IOException("could not create " + staging);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(kind.label + " " + output + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses, with one line, an {@code output} that is, contains or lies inside one of
   * {@code inputs}: what {@link #open} checks, for a job that learns its inputs before it opens
   * its output.
   */
  public static void checkApart(Configuration conf, String output, Collection<String> inputs) {
    Path given = new Path(output);
    try {
      FileSystem fs = given.getFileSystem(conf);
      Path target = fs.makeQualified(given);
      for (String input : inputs) {
        checkApart(conf, fs, target, output, input);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("output " + output + ": " + e.getMessage(), e);
    }
  }

  /** Where the job writes (qualified): an empty folder for an index, nothing yet for Spark. */
  public Path staging() {
    return staging;
  }

  /** The output folder (qualified). */
  public Path target() {
    return target;
  }

  /** Swaps the finished staging folder in place of the output (replacing an old one). */
  public void commit() {
    if (finished) {
      throw new IllegalStateException(label + " " + target + " was already committed or aborted");
    }
    try {
      if (!fs.exists(staging)) {
        throw new IOException("the job wrote nothing to " + staging);
      }
      Path old = null;
      if (fs.exists(target)) {
        old = new Path(target.getParent(), "." + target.getName() + ".m2v-old-" + UUID.randomUUID());
        if (!fs.rename(target, old)) {
          throw new IOException("could not move the old output aside to " + old);
        }
      }
      if (!fs.rename(staging, target)) {
        if (old != null && !fs.rename(old, target)) {
          throw new IOException("could not move " + staging + " into place, nor the old output "
              + "back: it is in " + old);
        }
        throw new IOException("could not move " + staging + " into place; the old output is kept");
      }
      finished = true;
      if (old != null && !fs.delete(old, true)) {
        LOG.warn("{} {}: the replaced output could not be deleted: {}", label, target, old);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(label + " " + target + ": " + e.getMessage(), e);
    } finally {
      removeHook();
    }
  }

  /** Deletes the staging folder unless committed; the output stays as it was. */
  @Override
  public void close() {
    if (!finished) {
      finished = true;
      deleteStaging();
    }
    removeHook();
  }

  /**
   * The shutdown hook (Ctrl-C): deletes the staging folder, waits up to 10 s for the job's thread
   * to end or close this output, and deletes it again. The job's thread goes on during shutdown
   * and can make the folder again after the first delete (the driver writes an IVF index's
   * centroids itself); its next Spark call fails once Spark has stopped, and the JVM halts as
   * soon as the hooks are done.
   */
  private void deleteStagingOnShutdown() {
    deleteStaging();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!finished && owner.isAlive() && System.nanoTime() < deadline) {
      try {
        owner.join(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    deleteStaging();
  }

  private void deleteStaging() {
    try {
      fs.delete(staging, true);
    } catch (IOException | RuntimeException e) {
      LOG.warn("{} {}: could not delete the staging folder {}: {}", label, target, staging,
          e.getMessage());
    }
  }

  private void removeHook() {
    try {
      ShutdownHookManager.get().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs or has run: nothing to remove
    }
  }

  private static FileStatus status(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** Null when {@code dir} is empty or holds only what Spark's writers leave; else why not. */
  static String notSparkOutput(FileSystem fs, Path dir) throws IOException {
    FileStatus[] entries = fs.listStatus(dir);
    if (entries.length == 0) {
      return null;
    }
    boolean success = false;
    for (FileStatus e : entries) {
      String name = e.getPath().getName();
      if (!SPARK_FILE.matcher(name).matches()) {
        return "holds " + (e.isDirectory() ? "a folder" : "a file") + " '" + name
            + "' that Spark's writer does not make";
      }
      success |= name.equals("_SUCCESS");
    }
    return success ? null : "has no _SUCCESS file, so it is not a finished Spark output";
  }

  /** Null when {@code dir} is empty or a model2vec index; else why not. */
  static String notAnIndex(FileSystem fs, Path dir) throws IOException {
    FileStatus[] entries = fs.listStatus(dir);
    if (entries.length == 0) {
      return null;
    }
    Path manifestFile = new Path(dir, IndexManifest.FILE);
    if (!fs.exists(manifestFile)) {
      return "holds no " + IndexManifest.FILE + ", so it is not an index";
    }
    IndexManifest manifest;
    try (InputStream in = fs.open(manifestFile)) {
      manifest = IndexManifest.fromJson(in.readAllBytes(), manifestFile.toString());
    } catch (IOException | RuntimeException e) {
      return "has a " + IndexManifest.FILE + " that is not an index's (" + e.getMessage() + ")";
    }
    for (String shard : manifest.shards().keySet()) {
      FileStatus s = status(fs, new Path(dir, shard));
      if (s == null || !s.isDirectory()) {
        return "has a " + IndexManifest.FILE + " naming shard '" + shard
            + "', which is not there, so it is not an index";
      }
    }
    return null;
  }

  /** Refuses an output that is, contains or lies inside {@code input}. */
  private static void checkApart(Configuration conf, FileSystem outFs, Path target, String output,
      String input) throws IOException {
    Path in = new Path(globFree(input));
    FileSystem inFs = in.getFileSystem(conf);
    URI a = real(outFs, outFs.makeQualified(target));
    URI b = real(inFs, inFs.makeQualified(in));
    if (!sameFileSystem(a, b)) {
      return;
    }
    String out = trimSlash(a.getPath());
    String inp = trimSlash(b.getPath());
    if (out.equals(inp)) {
      throw new IllegalArgumentException("output " + output + " is the input " + input
          + ": choose another output folder");
    }
    if (out.startsWith(inp + "/")) {
      throw new IllegalArgumentException("output " + output + " lies inside the input " + input
          + ": choose an output folder outside it");
    }
    if (inp.startsWith(out + "/")) {
      throw new IllegalArgumentException("output " + output + " contains the input " + input
          + ": replacing it would delete the input; choose another output folder");
    }
  }

  /** The part of a path before its first glob character (Hadoop's glob syntax). */
  static String globFree(String path) {
    int cut = path.length();
    for (char c : new char[] {'*', '?', '[', '{'}) {
      int i = path.indexOf(c);
      if (i >= 0 && i < cut) {
        cut = i;
      }
    }
    if (cut == path.length()) {
      return path;
    }
    int slash = path.lastIndexOf('/', cut);
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  /** The path with symbolic links resolved as far as it exists (local disks: every link). */
  private static URI real(FileSystem fs, Path p) throws IOException {
    URI uri = p.toUri();
    if ("file".equals(uri.getScheme())) {
      java.nio.file.Path local = Paths.get(uri.getPath()).toAbsolutePath().normalize();
      Deque<String> rest = new ArrayDeque<>();
      java.nio.file.Path existing = local;
      while (existing != null && !Files.exists(existing)) {
        rest.push(existing.getFileName().toString());
        existing = existing.getParent();
      }
      java.nio.file.Path resolved = existing == null ? local : existing.toRealPath();
      while (!rest.isEmpty()) {
        resolved = resolved.resolve(rest.pop());
      }
      return new Path("file", null, resolved.toString()).toUri();
    }
    try {
      return fs.resolvePath(p).toUri();
    } catch (FileNotFoundException | UnsupportedOperationException e) {
      return uri;
    }
  }

  private static boolean sameFileSystem(URI a, URI b) {
    String sa = a.getScheme() == null ? "" : a.getScheme().toLowerCase(Locale.ROOT);
    String sb = b.getScheme() == null ? "" : b.getScheme().toLowerCase(Locale.ROOT);
    String aa = a.getAuthority() == null ? "" : a.getAuthority().toLowerCase(Locale.ROOT);
    String ab = b.getAuthority() == null ? "" : b.getAuthority().toLowerCase(Locale.ROOT);
    return sa.equals(sb) && aa.equals(ab);
  }

  private static String trimSlash(String s) {
    return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
