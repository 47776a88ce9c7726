package io.model2vec.flink;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The options that name a model in Flink, declared once: the {@code WITH} options of
 * {@code CREATE MODEL ... WITH ('provider' = 'model2vec', ...)} and, prefixed with
 * {@code model2vec.}, the job configuration keys that {@code embed} reads. Values are parsed by
 * the core ({@link LoadOptions#parse}), with the same spelling and messages as in Spark and the
 * CLI.
 */
public final class Model2VecOptions {
  /** Prefix of the job configuration keys ({@code SET 'model2vec.model' = ...}). */
  public static final String JOB_PREFIX = "model2vec.";

  public static final ConfigOption<String> MODEL = ConfigOptions.key(ModelReference.MODEL)
      .stringType().noDefaultValue().withDescription("Model folder, classpath: folder or "
          + "HuggingFace hub id (resolved once on the client); unset = the built-in default model.");
  public static final ConfigOption<String> CACHED_FILE = ConfigOptions.key("cached-file")
      .stringType().noDefaultValue().withDescription(
          "Name of the model folder in Flink's distributed cache (pipeline.cached-files).");
  public static final ConfigOption<String> NORMALIZE = ConfigOptions.key(LoadOptions.NORMALIZE)
      .stringType().noDefaultValue().withDescription(
          "true or false: overrides the model's normalize setting.");
  public static final ConfigOption<String> MAX_LENGTH = ConfigOptions.key(LoadOptions.MAX_LENGTH)
      .stringType().defaultValue(String.valueOf(LoadOptions.DEFAULT_MAX_LENGTH))
      .withDescription("Tokens kept per text: a positive integer or 'none'.");
  public static final ConfigOption<String> DIMENSIONS = ConfigOptions.key(LoadOptions.DIMENSIONS)
      .stringType().noDefaultValue().withDescription("Leading dimensions kept; unset or 0 = all.");
  public static final ConfigOption<String> REVISION = ConfigOptions.key(LoadOptions.REVISION)
      .stringType().noDefaultValue().withDescription("Hub revision: branch, tag or commit sha.");
  public static final ConfigOption<String> SUBFOLDER = ConfigOptions.key(LoadOptions.SUBFOLDER)
      .stringType().noDefaultValue().withDescription(
          "Subfolder of the model folder or hub repository.");

  /** Every option, unprefixed, as the model provider declares them. */
  public static final Set<ConfigOption<?>> ALL =
      Set.of(MODEL, CACHED_FILE, NORMALIZE, MAX_LENGTH, DIMENSIONS, REVISION, SUBFOLDER);

  private Model2VecOptions() {}

  /**
   * The model named by the options {@code lookup} returns (by key with {@code prefix}), resolved
   * on the client (the planner runs there: a hub id is downloaded once); {@code where} names the
   * place for error messages (e.g. "table configuration").
   */
  static ModelReference read(String prefix, Function<String, String> lookup, String where) {
    ModelReference reference;
    try {
      reference = ModelReference.parse(prefix, lookup);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    String cached = lookup.apply(prefix + CACHED_FILE.key());
    if (cached != null && !cached.isBlank()) {
      if (reference.reference() != null) {
        throw new IllegalArgumentException(where + " sets both '" + prefix + MODEL.key()
            + "' and '" + prefix + CACHED_FILE.key() + "'; set one of them");
      }
      return Model2VecFlink.cachedFile(cached.trim(), reference.options());
    }
    return reference.resolvedHere();
  }
}
