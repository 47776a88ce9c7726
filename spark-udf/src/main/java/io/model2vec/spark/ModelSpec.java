package io.model2vec.spark;

import io.model2vec.LoadOptions;
import io.model2vec.Model2VecException;
import java.io.File;
import java.io.Serializable;
import java.util.Objects;
import org.apache.spark.SparkFiles;

/**
 * What an executor needs to find a model: the reference as the driver resolved it, or the name
 * under which the driver shipped the folder with {@code SparkContext.addFile}, and the options.
 * This, not the model, is what travels with the tasks.
 */
final class ModelSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A folder path, a classpath: folder, a Hadoop URI, or null for the built-in default model. */
  final String reference;
  /** Name of the folder shipped with addFile, or null when executors read {@link #reference}. */
  final String shippedName;
  final LoadOptions options;

  ModelSpec(String reference, String shippedName, LoadOptions options) {
    this.reference = reference;
    this.shippedName = shippedName;
    this.options = options;
  }

  /** Where this JVM finds the model (an executor's copy of a shipped folder). */
  String localReference() {
    if (shippedName == null) {
      return reference;
    }
    File local = new File(SparkFiles.get(shippedName));
    if (local.exists()) {
      return local.getPath();
    }
    // Spark 4 isolates artifacts per session: they are unpacked into a folder of the session.
    File root = new File(SparkFiles.getRootDirectory());
    File[] sessions = root.listFiles(File::isDirectory);
    for (File dir : sessions == null ? new File[0] : sessions) {
      File candidate = new File(dir, shippedName);
      if (candidate.isDirectory()) {
        return candidate.getPath();
      }
    }
    String[] present = root.list();
    throw new Model2VecException("model " + reference + " was shipped to the executors as "
        + shippedName + ", but this executor has no " + local + " (its SparkFiles hold "
        + (present == null ? "nothing" : String.join(", ", present)) + ")");
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ModelSpec)) {
      return false;
    }
    ModelSpec that = (ModelSpec) o;
    return Objects.equals(reference, that.reference) && Objects.equals(shippedName, that.shippedName)
        && options.equals(that.options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reference, shippedName, options);
  }

  @Override
  public String toString() {
    return (shippedName == null ? String.valueOf(reference) : reference + " (shipped as "
        + shippedName + ")") + " " + options;
  }
}
