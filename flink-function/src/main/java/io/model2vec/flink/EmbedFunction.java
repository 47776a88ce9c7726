package io.model2vec.flink;

import io.model2vec.ModelReference;
import java.util.function.Function;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;

/**
 * Flink SQL / Table API {@code embed(text)}: the Model2Vec vector of a string as
 * {@code ARRAY<FLOAT>}; {@code NULL} text gives a {@code NULL} array, and so does every element of it
 * ({@code embed(text)[1]}). The elements are never null; they are not declared {@code NOT NULL}
 * because Flink evaluates element access on a {@code NULL} array of {@code NOT NULL} elements to a
 * number ({@code -1.0}), which would be a wrong value. The array is Flink's internal
 * {@link GenericArrayData} over the model's {@code float[]}: no float is boxed.
 *
 * <p>Two ways to use it:
 *
 * <pre>{@code
 * -- 1. by class name; the model comes from the job configuration
 * SET 'model2vec.model' = '/models/potion-base-8M';      -- unset: the built-in default model
 * CREATE TEMPORARY FUNCTION embed AS 'io.model2vec.flink.EmbedFunction';
 * SELECT id, embed(text) FROM t;
 *
 * // 2. as an instance with its model
 * tEnv.createTemporarySystemFunction("embed", new EmbedFunction(ModelReference.of(folder)));
 * }</pre>
 *
 * <p>Configuration keys (the table configuration, e.g. {@code SET}, else the map in {@code
 * pipeline.global-job-parameters}):
 * {@code model2vec.model} (folder, {@code classpath:} folder or hub id, resolved once on the
 * client), {@code model2vec.cached-file} (a folder in the distributed cache, see {@code
 * pipeline.cached-files}), {@code model2vec.normalize}, {@code model2vec.max-length} (or
 * {@code none}), {@code model2vec.dimensions}.
 *
 * <p>The function holds only its {@link ModelReference}; the TaskManager's shared model is taken
 * in {@link #open} (one load per TaskManager) and dropped in {@link #close}.
 */
public final class EmbedFunction extends ScalarFunction implements SpecializedFunction {
  private static final long serialVersionUID = 1L;

  /** Prefix of the configuration keys read by the no-argument form. */
  public static final String CONFIG_PREFIX = Model2VecOptions.JOB_PREFIX;

  /** {@code null} for the no-argument form until the planner specializes it. */
  private final ModelReference model;

  private transient Function<String, float[]> encoder;

  /** For {@code CREATE FUNCTION ... AS}: the model comes from the configuration. */
  public EmbedFunction() {
    this.model = null;
  }

  /** A function bound to {@code model}. */
  public EmbedFunction(ModelReference model) {
    this.model = Objects.requireNonNull(model, "model must not be null (ModelReference.defaultModel())");
  }

  /** The vector of {@code text}, or {@code null} for a {@code null} text. */
  public @DataTypeHint(value = "ARRAY<FLOAT>", bridgedTo = ArrayData.class) ArrayData eval(
      String text) {
    return text == null ? null : new GenericArrayData(encoder.apply(text));
  }

  /**
   * Called by the planner on the client: binds the no-argument form to the model of the table
   * configuration, so a hub id is resolved once there and not on every TaskManager.
   */
  @Override
  public UserDefinedFunction specialize(SpecializedContext context) {
    if (model != null) {
      return this;
    }
    ReadableConfig conf = context.getConfiguration();
    Map<String, String> jobParameters =
        conf.getOptional(PipelineOptions.GLOBAL_JOB_PARAMETERS).orElse(Map.of());
    return new EmbedFunction(Model2VecOptions.read(CONFIG_PREFIX,
        key -> conf.getOptional(ConfigOptions.key(key).stringType().noDefaultValue())
            .orElse(jobParameters.get(key)),
        "table configuration"));
  }

  /**
   * No constant folding: the planner would evaluate {@code embed('a literal')} on the client
   * (ExpressionReducer), where the model is not meant to be: no distributed cache
   * ({@code getCachedFile} is unavailable there) and maybe not the TaskManagers' classpath, which
   * logged warnings that the model was missing while the TaskManagers computed the right vector.
   * A vector per row on the TaskManager costs microseconds.
   */
  @Override
  public boolean supportsConstantFolding() {
    return false;
  }

  @Override
  public void open(FunctionContext context) throws Exception {
    ModelReference m = model != null ? model
        : Model2VecOptions.read(CONFIG_PREFIX, key -> context.getJobParameter(key, null),
            "job parameters");
    encoder = ModelHost.encoder(m, context::getCachedFile);
  }

  @Override
  public void close() throws Exception {
    encoder = null; // the TaskManager's shared model stays for the other slots
  }

  /** The bound model, or {@code null} when it comes from the configuration. */
  public ModelReference model() {
    return model;
  }

  @Override
  public String toString() {
    return "embed(" + (model == null ? "model from configuration" : model) + ")";
  }
}
