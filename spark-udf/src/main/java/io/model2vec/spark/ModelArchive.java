package io.model2vec.spark;

import io.model2vec.Model2VecException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Packs a local model folder into a zip that {@code SparkContext.addArchive} ships to every
 * executor and unpacks there: Spark refuses {@code addFile} of a local directory on a cluster.
 * Symbolic links (the HuggingFace cache links snapshots to blobs) are followed.
 */
final class ModelArchive {
  /** One zip per folder per driver JVM, however many sessions ship it. */
  private static final Map<String, CompletableFuture<Path>> ZIPS = new ConcurrentHashMap<>();

  private ModelArchive() {}

  /** The zip of {@code folder}, packed on first use into a temporary directory. */
  static Path archiveOf(Path folder) {
    Path abs = folder.toAbsolutePath().normalize();
    return ShippedModels.once(ZIPS, abs.toString(), () -> zip(abs));
  }

  /** A zip of {@code folder} in a fresh temporary directory, named after the folder and its path. */
  private static Path zip(Path abs) {
    String name = "model2vec-" + abs.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_")
        + "-" + Integer.toHexString(abs.toString().hashCode()) + ".zip";
    try {
      Path dir = Files.createTempDirectory("model2vec-ship");
      dir.toFile().deleteOnExit();
      Path zip = dir.resolve(name);
      try (OutputStream raw = Files.newOutputStream(zip);
          ZipOutputStream out = new ZipOutputStream(raw);
          Stream<Path> files = Files.walk(abs, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
        for (Iterator<Path> it = files.filter(Files::isRegularFile).sorted().iterator();
            it.hasNext(); ) {
          Path f = it.next();
          out.putNextEntry(new ZipEntry(abs.relativize(f).toString().replace('\\', '/')));
          Files.copy(f, out);
          out.closeEntry();
        }
      }
      zip.toFile().deleteOnExit();
      return zip;
    } catch (IOException | UncheckedIOException e) {
      throw new Model2VecException("could not pack model folder " + abs + " for the executors: "
          + e.getMessage(), e);
    }
  }
}
