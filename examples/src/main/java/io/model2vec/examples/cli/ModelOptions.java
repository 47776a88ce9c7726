package io.model2vec.examples.cli;

import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The model options shared by the commands (a picocli mixin): which model, and how it encodes.
 */
public final class ModelOptions {
  @Option(names = "--model", paramLabel = "<folder|hub id>",
      description = "Model folder (model2vec or sentence-transformers layout), classpath: folder "
          + "or HuggingFace hub id such as minishlab/potion-base-8M. Default: the built-in model "
          + "(distilled from bge-small-en-v1.5, 256 dims).")
  String model;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  MaxLength maxLength;

  @Option(names = "--normalize", paramLabel = "true|false", arity = "1",
      description = "L2-normalize the vectors (default: as the model's config says).")
  Boolean normalize;

  @Option(names = "--dimensions", paramLabel = "N",
      description = "Keep only the first N dimensions (default: all).")
  int dimensions;

  static final class MaxLength {
    @Option(names = "--max-length", paramLabel = "N",
        description = "Tokens kept per text (default: 512).")
    Integer value;

    @Option(names = "--no-max-length", description = "Do not truncate texts.")
    boolean none;
  }

  /** The --model value; null means the built-in default model. */
  public String model() {
    return model;
  }

  /** --max-length / --no-max-length, --normalize and --dimensions as load options. */
  public LoadOptions toLoadOptions() {
    LoadOptions.Builder b = LoadOptions.builder().normalize(normalize).dimensions(dimensions);
    if (maxLength != null && maxLength.none) {
      b.noMaxLength();
    } else if (maxLength != null && maxLength.value != null) {
      b.maxLength(maxLength.value);
    }
    return b.build();
  }

  /** The model named by --model, or the built-in default model when it is absent. */
  public StaticModel load() {
    return StaticModel.load(model, toLoadOptions());
  }
}
