package io.model2vec.spark;

import io.model2vec.Model2VecException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkContext;

/**
 * Models on a Hadoop filesystem ({@code hdfs://}, {@code s3a://}, {@code abfs://}, ...): the driver
 * copies the folder once, with the application's Hadoop configuration, and then ships it like any
 * local folder. Executors need no credentials for the store, and a folder that is not a model
 * fails on the driver before anything is shipped.
 */
final class HadoopModels {
  private HadoopModels() {}

  static Path copyToLocal(SparkContext sc, String uri) {
    org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(uri);
    try {
      FileSystem fs = src.getFileSystem(sc.hadoopConfiguration());
      FileStatus status;
      try {
        status = fs.getFileStatus(src); // one metadata call (exists() is getFileStatus too)
      } catch (FileNotFoundException e) {
        throw new Model2VecException("model " + uri + " does not exist");
      }
      if (!status.isDirectory()) {
        throw new Model2VecException("model " + uri + " is a file; it must be a model folder");
      }
      Path dir = Files.createTempDirectory("model2vec-hadoop");
      fs.copyToLocalFile(false, src, new org.apache.hadoop.fs.Path(dir.toUri()), true);
      return dir.resolve(src.getName());
    } catch (IOException e) {
      throw new Model2VecException("could not copy model " + uri + " from its Hadoop filesystem: "
          + e.getMessage(), e);
    }
  }
}
