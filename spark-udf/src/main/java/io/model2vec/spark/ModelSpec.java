package io.model2vec.spark;

import io.model2vec.LoadOptions;
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
    return shippedName == null ? reference : SparkFiles.get(shippedName);
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
