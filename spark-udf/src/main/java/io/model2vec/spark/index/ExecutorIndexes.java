package io.model2vec.spark.index;

import io.model2vec.index.IndexException;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.VectorIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The indexes of this JVM (an executor, or the driver in local mode): each index folder is
 * opened once, by its first user, and shared by every task and thread after it, for the life of
 * the JVM. A folder on a Hadoop file system ({@code hdfs://}, {@code s3a://}, ...) is copied to a
 * local temporary folder first, once per JVM; a local path must be readable by every executor
 * (a shared file system, or the one machine of a local session). The key includes the
 * manifest's modification time, so an index rebuilt in the same folder is opened again.
 */
final class ExecutorIndexes {
  private static final Map<String, CompletableFuture<VectorIndex>> OPEN = new ConcurrentHashMap<>();

  private ExecutorIndexes() {}

  static VectorIndex get(String folder, HadoopConf hadoop) {
    Path dir = new Path(folder);
    FileSystem fs;
    FileStatus manifest;
    try {
      fs = dir.getFileSystem(hadoop.get());
      manifest = fs.getFileStatus(new Path(dir, IndexManifest.FILE));
    } catch (java.io.FileNotFoundException e) {
      throw new IndexException(new Path(dir, IndexManifest.FILE) + ": missing: not an index "
          + "folder, or its build did not finish");
    } catch (IOException e) {
      throw new UncheckedIOException(folder + ": " + e.getMessage(), e);
    }
    String key = folder + "@" + manifest.getModificationTime();
    CompletableFuture<VectorIndex> mine = new CompletableFuture<>();
    CompletableFuture<VectorIndex> prior = OPEN.putIfAbsent(key, mine);
    if (prior != null) {
      try {
        return prior.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
      }
    }
    try {
      VectorIndex index = VectorIndex.open(local(fs, dir));
      mine.complete(index);
      return index;
    } catch (RuntimeException | Error e) {
      OPEN.remove(key, mine); // not kept: the next task tries again
      mine.completeExceptionally(e);
      throw e;
    }
  }

  private static java.nio.file.Path local(FileSystem fs, Path dir) {
    String scheme = fs.getUri().getScheme();
    if ("file".equals(scheme)) {
      return java.nio.file.Path.of(dir.toUri().getPath());
    }
    try {
      java.nio.file.Path tmp = Files.createTempDirectory("model2vec-index-");
      fs.copyToLocalFile(false, dir, new Path(tmp.toUri()), true);
      return tmp.resolve(dir.getName());
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy index " + dir + " from its file system: "
          + e.getMessage(), e);
    }
  }
}
