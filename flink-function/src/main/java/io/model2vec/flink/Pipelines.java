package io.model2vec.flink;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.StaticModelPipeline;
import java.util.function.Function;

/** Reading a classifier pipeline's reference and threshold from Flink's configuration. */
final class Pipelines {
  static final String THRESHOLD = "threshold";

  private Pipelines() {}

  /**
   * The pipeline of {@code key} (its load options under {@code key + "."}), resolved on the
   * client: a hub id is downloaded once, with its pipeline.skops.
   */
  static ModelReference read(String key, Function<String, String> lookup, String where) {
    String ref = lookup.apply(key);
    if (ref == null || ref.isBlank()) {
      throw new IllegalArgumentException(where + ": set '" + key + "' to a classifier pipeline "
          + "(a folder, classpath: folder or hub id with the model's files and pipeline.skops)");
    }
    LoadOptions options;
    try {
      options = LoadOptions.parse(key + ".", lookup);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    return Model2VecFlink.resolvePipeline(ModelReference.of(ref.trim(), options));
  }

  static double threshold(String key, Function<String, String> lookup) {
    String t = lookup.apply(key + "." + THRESHOLD);
    if (t == null || t.isBlank()) {
      return StaticModelPipeline.DEFAULT_THRESHOLD;
    }
    double v;
    try {
      v = Double.parseDouble(t.trim());
    } catch (NumberFormatException e) {
      v = Double.NaN;
    }
    if (!(v >= 0 && v <= 1)) {
      throw new IllegalArgumentException(key + "." + THRESHOLD + " must be a number in [0, 1], "
          + "was '" + t + "'");
    }
    return v;
  }

  /**
   * The head's kind of a pipeline, read on the client when a function is typed: the head alone
   * is small, but the client loads the pipeline once per JVM to check it anyway.
   */
  static String kindOnClient(ModelReference pipeline) {
    if (pipeline.shippedAs() != null && pipeline.reference() == null) {
      return "CLASSIFIER"; // a distributed-cache folder the client cannot see
    }
    ModelReference local = pipeline.shippedAs() == null ? pipeline
        : ModelReference.of(pipeline.reference(), pipeline.options());
    return StaticModelPipeline.shared(local, name -> null).kind().name();
  }
}
