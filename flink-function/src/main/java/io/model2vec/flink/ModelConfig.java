package io.model2vec.flink;

import io.model2vec.LoadOptions;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The string options that name a model in SQL: the job configuration keys of {@link EmbedFunction}
 * ({@code model2vec.model}, ...) and the {@code WITH} options of {@code CREATE MODEL} ({@code
 * model}, ...). Both read the same five keys, with a different prefix.
 */
final class ModelConfig {
  static final String MODEL = "model";
  static final String CACHED_FILE = "cached-file";
  static final String NORMALIZE = "normalize";
  static final String MAX_LENGTH = "max-length";
  static final String DIMENSIONS = "dimensions";

  private ModelConfig() {}

  /** The declared options (unprefixed, as the model provider takes them). */
  static Set<ConfigOption<?>> options() {
    return Set.of(
        ConfigOptions.key(MODEL).stringType().noDefaultValue().withDescription(
            "Model folder, classpath: folder or HuggingFace hub id (resolved once on the client); "
                + "unset = the built-in default model."),
        ConfigOptions.key(CACHED_FILE).stringType().noDefaultValue().withDescription(
            "Name of the model folder in Flink's distributed cache (pipeline.cached-files)."),
        ConfigOptions.key(NORMALIZE).booleanType().noDefaultValue().withDescription(
            "Overrides the model's normalize setting."),
        ConfigOptions.key(MAX_LENGTH).stringType().defaultValue(String.valueOf(LoadOptions.DEFAULT_MAX_LENGTH)).withDescription(
            "Tokens kept per text, or 'none'."),
        ConfigOptions.key(DIMENSIONS).intType().defaultValue(0).withDescription(
            "Leading dimensions kept; 0 = all."));
  }

  /**
   * The model named by the options {@code get} returns (by key with {@code prefix});
   * {@code where} names the place for error messages (e.g. "job configuration").
   */
  static FlinkModel read(String prefix, Function<String, String> get, String where) {
    LoadOptions.Builder b = LoadOptions.builder();
    String normalize = trimmed(get.apply(prefix + NORMALIZE));
    if (normalize != null) {
      String n = normalize.toLowerCase(Locale.ROOT);
      if (!n.equals("true") && !n.equals("false")) {
        throw new IllegalArgumentException(where + " option '" + prefix + NORMALIZE
            + "' must be true or false, was '" + normalize + "'");
      }
      b.normalize(Boolean.parseBoolean(n));
    }
    String maxLength = trimmed(get.apply(prefix + MAX_LENGTH));
    if (maxLength != null) {
      if (maxLength.equalsIgnoreCase("none")) {
        b.noMaxLength();
      } else {
        b.maxLength(positiveInt(maxLength, prefix + MAX_LENGTH, where, "a positive integer or 'none'"));
      }
    }
    String dims = trimmed(get.apply(prefix + DIMENSIONS));
    if (dims != null && !dims.equals("0")) {
      b.dimensions(positiveInt(dims, prefix + DIMENSIONS, where, "a positive integer (0 = all)"));
    }
    LoadOptions options = b.build();
    String model = trimmed(get.apply(prefix + MODEL));
    String cached = trimmed(get.apply(prefix + CACHED_FILE));
    if (cached != null) {
      if (model != null) {
        throw new IllegalArgumentException(where + " sets both '" + prefix + MODEL + "' and '"
            + prefix + CACHED_FILE + "'; set one of them");
      }
      return FlinkModel.cachedFile(cached, options);
    }
    // Resolved on the client (the planner runs there): a hub id is downloaded once.
    return FlinkModel.resolvedOnClient(model, options);
  }

  private static int positiveInt(String value, String key, String where, String rule) {
    try {
      int v = Integer.parseInt(value);
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(where + " option '" + key + "' must be " + rule
        + ", was '" + value + "'");
  }

  private static String trimmed(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
