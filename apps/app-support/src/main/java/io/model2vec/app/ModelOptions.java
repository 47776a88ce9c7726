package io.model2vec.app;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The model options of every command that embeds with a model (a picocli mixin: bin/model2vec,
 * the Spark and the Flink jobs): which model, and how it encodes. The values go through the
 * core's one options parser ({@link LoadOptions#parse}), so they are spelled and checked as in
 * Spark SQL and Flink SQL.
 */
public final class ModelOptions {
  @Option(names = "--model", paramLabel = "<folder|hub id>",
      description = "Model folder (model2vec or sentence-transformers layout), classpath: folder "
          + "or HuggingFace hub id such as minishlab/potion-base-8M; the Spark jobs also read a "
          + "Hadoop path (hdfs://, s3a://, file://). Default: the built-in model (distilled from "
          + "bge-small-en-v1.5, 256 dims).")
  String model;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  MaxLength maxLength;

  @Option(names = "--normalize", paramLabel = "true|false", arity = "1",
      description = "L2-normalize the vectors (default: as the model's config says).")
  String normalize;

  @Option(names = "--dimensions", paramLabel = "N",
      description = "Keep only the first N dimensions (default: all).")
  String dimensions;

  static final class MaxLength {
    @Option(names = "--max-length", paramLabel = "N|none",
        description = "Tokens kept per text, or none (default: 512).")
    String value;

    @Option(names = "--no-max-length", description = "Same as --max-length none.")
    boolean none;
  }

  /** The --model value; null means the built-in default model. */
  public String model() {
    return model;
  }

  /** --max-length, --normalize and --dimensions as load options (a bad value names the flag). */
  public LoadOptions toLoadOptions() {
    Map<String, String> values = new HashMap<>();
    values.put("--" + LoadOptions.NORMALIZE, normalize);
    values.put("--" + LoadOptions.DIMENSIONS, dimensions);
    if (maxLength != null) {
      values.put("--" + LoadOptions.MAX_LENGTH, maxLength.none ? "none" : maxLength.value);
    }
    return LoadOptions.parse("--", values::get);
  }

  /** --model and the load options as the core's model reference. */
  public ModelReference reference() {
    return ModelReference.of(model, toLoadOptions());
  }

  /** The model named by --model, or the built-in default model when it is absent. */
  public StaticModel load() {
    return StaticModel.load(model, toLoadOptions());
  }

  /**
   * Checks the values of --max-length, --normalize and --dimensions: a bad one is a usage error
   * of {@code cl} (exit code 2), before any file is opened.
   */
  public void check(CommandLine cl) {
    try {
      toLoadOptions();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
  }

  /**
   * As {@link #load()}, a value the model cannot take (more --dimensions than it has) a usage
   * error of {@code cl} (exit code 2), as a bad value is; a missing or broken model stays a
   * failure (exit code 1).
   */
  public StaticModel load(CommandLine cl) {
    LoadOptions options;
    try {
      options = toLoadOptions();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
    try {
      return StaticModel.load(model, options);
    } catch (IllegalArgumentException e) {
      String m = String.valueOf(e.getMessage());
      // the core names its option (dimensions); here it is a flag
      throw new ParameterException(cl, m.startsWith(LoadOptions.DIMENSIONS + " ") ? "--" + m : m);
    }
  }
}
