package io.model2vec.flink;

import io.model2vec.ModelReference;
import io.model2vec.StaticModelPipeline;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.table.types.inference.TypeStrategies;

/**
 * Flink SQL / Table API {@code classify(text)}: what a model2vec classifier pipeline (a model
 * folder with its {@code pipeline.skops}, as Python's {@code StaticModelPipeline} saves it)
 * predicts for a string: {@code STRING} (the most probable class), {@code ARRAY<STRING>} for a
 * multilabel head (every class above the threshold, default 0.5), {@code ARRAY<FLOAT>} for a
 * projector; {@code NULL} for {@code NULL}. See {@link ClassifyProbaFunction} for the
 * probabilities.
 *
 * <pre>{@code
 * -- 1. by class name; the pipeline comes from the job configuration (classifier heads: STRING)
 * SET 'model2vec.pipeline' = '/models/spam-classifier';
 * CREATE TEMPORARY FUNCTION classify AS 'io.model2vec.flink.ClassifyFunction';
 * SELECT id, classify(text) FROM t;
 *
 * // 2. as an instance with its pipeline (any head; the type follows the head)
 * ModelReference spam = Model2VecFlink.resolvePipeline(ModelReference.of(folder));
 * tEnv.createTemporarySystemFunction("classify", new ClassifyFunction(spam));
 * tEnv.createTemporarySystemFunction("classify_proba", new ClassifyProbaFunction(spam));
 * }</pre>
 *
 * <p>Configuration keys (the table configuration, else {@code pipeline.global-job-parameters}):
 * {@code model2vec.pipeline} (folder, {@code classpath:} folder or hub id, resolved once on the
 * client), {@code model2vec.pipeline.max-length} and the other load options,
 * {@code model2vec.pipeline.threshold}. The configured form is typed before the configuration is
 * read, as {@code STRING}: a multilabel or projector pipeline is refused there with a message;
 * register an instance for those.
 *
 * <p>The function holds only its pipeline's reference; the TaskManager's shared pipeline is
 * taken in {@link #open} (one load per TaskManager) and dropped in {@link #close}.
 */
public final class ClassifyFunction extends ScalarFunction implements SpecializedFunction {
  private static final long serialVersionUID = 1L;

  /** The job configuration key of the pipeline; its load options and threshold are under it. */
  public static final String CONFIG_KEY = Model2VecOptions.JOB_PREFIX + "pipeline";

  private final ModelReference pipeline;
  private final double threshold;
  /** The head's kind, known on the client for a bound function (CLASSIFIER when configured). */
  private final String kind;

  private transient Prediction.Runner runner;

  /** For {@code CREATE FUNCTION ... AS}: the pipeline comes from the configuration. */
  public ClassifyFunction() {
    this.pipeline = null;
    this.threshold = StaticModelPipeline.DEFAULT_THRESHOLD;
    this.kind = "CLASSIFIER";
  }

  /** A function bound to {@code pipeline}, with the default threshold. */
  public ClassifyFunction(ModelReference pipeline) {
    this(pipeline, StaticModelPipeline.DEFAULT_THRESHOLD);
  }

  /** A function bound to {@code pipeline}; multilabel heads predict classes above {@code threshold}. */
  public ClassifyFunction(ModelReference pipeline, double threshold) {
    this(Objects.requireNonNull(pipeline, "pipeline must not be null"), threshold,
        Pipelines.kindOnClient(pipeline));
  }

  private ClassifyFunction(ModelReference pipeline, double threshold, String kind) {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [0, 1], was " + threshold);
    }
    this.pipeline = pipeline;
    this.threshold = threshold;
    this.kind = kind;
  }

  /** The prediction of {@code text}: String, String[] or an array of floats (see the class). */
  public Object eval(String text) {
    if (text == null) {
      return null;
    }
    float[] y = runner.outputs.apply(text);
    switch (kind) {
      case "MULTILABEL":
        return runner.labels(y);
      case "PROJECTOR":
        return new GenericArrayData(y);
      default:
        return runner.top(y);
    }
  }

  @Override
  public TypeInference getTypeInference(DataTypeFactory typeFactory) {
    return TypeInference.newBuilder()
        .typedArguments(DataTypes.STRING())
        .outputTypeStrategy(TypeStrategies.explicit(outputType(kind)))
        .build();
  }

  static DataType outputType(String kind) {
    switch (kind) {
      case "MULTILABEL":
        return DataTypes.ARRAY(DataTypes.STRING().notNull()).bridgedTo(String[].class);
      case "PROJECTOR":
        return DataTypes.ARRAY(DataTypes.FLOAT()).bridgedTo(ArrayData.class);
      default:
        return DataTypes.STRING();
    }
  }

  /** Binds the configured form to the table configuration's pipeline, on the client. */
  @Override
  public UserDefinedFunction specialize(SpecializedContext context) {
    if (pipeline != null) {
      return this;
    }
    ReadableConfig conf = context.getConfiguration();
    Map<String, String> jobParameters =
        conf.getOptional(PipelineOptions.GLOBAL_JOB_PARAMETERS).orElse(Map.of());
    java.util.function.Function<String, String> lookup = key -> conf.getOptional(
        ConfigOptions.key(key).stringType().noDefaultValue()).orElse(jobParameters.get(key));
    ModelReference p = Pipelines.read(CONFIG_KEY, lookup, "table configuration");
    String k = Pipelines.kindOnClient(p);
    if (!k.equals("CLASSIFIER")) {
      throw new IllegalArgumentException("classify: the pipeline " + p + " of '" + CONFIG_KEY
          + "' is a " + k.toLowerCase(java.util.Locale.ROOT) + " head, which does not return a "
          + "STRING: register it as an instance (new ClassifyFunction(pipeline)) to get "
          + (k.equals("MULTILABEL") ? "ARRAY<STRING>" : "ARRAY<FLOAT>") + ", or use "
          + "classify_proba");
    }
    return new ClassifyFunction(p, Pipelines.threshold(CONFIG_KEY, lookup), k);
  }

  @Override
  public void open(FunctionContext context) throws Exception {
    ModelReference p = pipeline != null ? pipeline
        : Pipelines.read(CONFIG_KEY, key -> context.getJobParameter(key, null), "job parameters");
    double t = pipeline != null ? threshold
        : Pipelines.threshold(CONFIG_KEY, key -> context.getJobParameter(key, null));
    runner = new Prediction.Runner(ModelHost.pipeline(p, context::getCachedFile), t);
  }

  @Override
  public void close() throws Exception {
    runner = null; // the TaskManager's shared pipeline stays for the other slots
  }

  /** The bound pipeline, or {@code null} when it comes from the configuration. */
  public ModelReference pipeline() {
    return pipeline;
  }

  @Override
  public String toString() {
    return "classify(" + (pipeline == null ? "pipeline from configuration" : pipeline) + ")";
  }
}
