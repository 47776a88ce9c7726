package io.model2vec.spark.index;

import io.model2vec.Shared;
import io.model2vec.index.IndexException;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.IvfLayout;
import io.model2vec.index.VectorIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The indexes of this JVM (an executor, or the driver in local mode), shared by the core's
 * {@link Shared} helper as its models are: each index folder is opened once, by its first task,
 * shared by every task and thread that holds it, and closed once no task has held it for
 * {@code model2vec.cache.idle-seconds} (default 300); the next task opens it again. An IVF index
 * on a Hadoop file system ({@code hdfs://}, {@code s3a://}, ...) is read into a local temporary
 * folder as it is used: its manifest and centroids when it is opened, a list's files when a row
 * first probes the list (HNSW shards are copied whole); the copy is deleted when the index is
 * closed. A local path must be
 * readable by every executor (a shared file system, or the one machine of a local session). The
 * key includes the manifest's modification time, so an index rebuilt in the same folder is opened
 * again.
 */
final class ExecutorIndexes {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorIndexes.class);
  /** folder @ manifest modification time -> the open index (and its local copy). */
  private static final Shared<String, Opened> OPEN = Shared.create("index", Opened::close);

  private ExecutorIndexes() {}

  /** A holder of the JVM's index in {@code folder}: close it when the task is done. */
  static Shared.Holder<Opened> hold(String folder, HadoopConf hadoop) {
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
    return OPEN.hold(folder + "@" + manifest.getModificationTime(), key -> open(fs, dir));
  }

  private static Opened open(FileSystem fs, Path dir) {
    String scheme = fs.getUri().getScheme();
    if ("file".equals(scheme)) {
      return new Opened(VectorIndex.open(java.nio.file.Path.of(dir.toUri().getPath())), null);
    }
    java.nio.file.Path tmp = null;
    try {
      tmp = Files.createTempDirectory("model2vec-index-");
      Path manifestFile = new Path(dir, IndexManifest.FILE);
      byte[] manifest;
      try (java.io.InputStream in = fs.open(manifestFile)) {
        manifest = in.readAllBytes();
      }
      if (IndexManifest.fromJson(manifest, manifestFile.toString()).ivf() == null) {
        // HNSW shards are searched whole: copy the folder
        fs.copyToLocalFile(false, dir, new Path(tmp.toUri()), true);
        return new Opened(VectorIndex.open(tmp.resolve(dir.getName())), tmp);
      }
      // An IVF index: the manifest and centroids now, each list's files when a query first
      // probes it, so an executor reads only the lists its rows probe.
      java.nio.file.Path local = Files.createDirectories(tmp.resolve(dir.getName()));
      Files.write(local.resolve(IndexManifest.FILE), manifest);
      fs.copyToLocalFile(false, new Path(dir, IvfLayout.CENTROIDS),
          new Path(local.resolve(IvfLayout.CENTROIDS).toUri()), true);
      VectorIndex.FileFetcher fetch = (relative, target) ->
          fs.copyToLocalFile(false, new Path(dir, relative), new Path(target.toUri()), true);
      return new Opened(VectorIndex.open(local, fetch), tmp);
    } catch (IOException e) {
      delete(tmp);
      throw new UncheckedIOException("could not copy index " + dir + " from its file system: "
          + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      delete(tmp);
      throw e;
    }
  }

  private static void delete(java.nio.file.Path folder) {
    if (folder == null) {
      return;
    }
    try (Stream<java.nio.file.Path> files = Files.walk(folder)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temporary folder left behind costs disk space only
      LOG.warn("Could not delete the local copy {} of a closed index: {}", folder, e.toString());
    }
  }

  /** An open index, and the local copy it was opened from (null for a local folder). */
  static final class Opened {
    final VectorIndex index;
    private final java.nio.file.Path copy;

    Opened(VectorIndex index, java.nio.file.Path copy) {
      this.index = index;
      this.copy = copy;
    }

    /** Closes the index, then deletes its copy. */
    void close() {
      try {
        index.close();
      } finally {
        delete(copy);
      }
    }
  }
}
