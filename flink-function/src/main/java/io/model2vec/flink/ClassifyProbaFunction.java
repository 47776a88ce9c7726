package io.model2vec.flink;

import io.model2vec.ModelReference;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.functions.SpecializedFunction;
import org.apache.flink.table.functions.UserDefinedFunction;

/**
 * Flink SQL / Table API {@code classify_proba(text)}: the probability of each class of a
 * model2vec classifier pipeline for a string, as {@code MAP<STRING, FLOAT>}; {@code NULL} for
 * {@code NULL}. Configured and bound as {@link ClassifyFunction} (same keys); a projector has no
 * classes and is refused.
 */
public final class ClassifyProbaFunction extends ScalarFunction implements SpecializedFunction {
  private static final long serialVersionUID = 1L;

  private final ModelReference pipeline;
  private transient Prediction.Runner runner;

  /** For {@code CREATE FUNCTION ... AS}: the pipeline comes from the configuration. */
  public ClassifyProbaFunction() {
    this.pipeline = null;
  }

  /** A function bound to {@code pipeline}. */
  public ClassifyProbaFunction(ModelReference pipeline) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline must not be null");
    refuseProjector(pipeline);
  }

  private static void refuseProjector(ModelReference pipeline) {
    if (Pipelines.kindOnClient(pipeline).equals("PROJECTOR")) {
      throw new IllegalArgumentException("classify_proba: pipeline " + pipeline + " is a "
          + "projector (MLPRegressor), which has no classes; use classify");
    }
  }

  /** Class to probability for {@code text}, in the order of the classes. */
  public @DataTypeHint("MAP<STRING, FLOAT>") Map<String, Float> eval(String text) {
    return text == null ? null : runner.probabilities(runner.outputs.apply(text));
  }

  @Override
  public UserDefinedFunction specialize(SpecializedContext context) {
    if (pipeline != null) {
      return this;
    }
    ReadableConfig conf = context.getConfiguration();
    Map<String, String> jobParameters =
        conf.getOptional(PipelineOptions.GLOBAL_JOB_PARAMETERS).orElse(Map.of());
    return new ClassifyProbaFunction(Pipelines.read(ClassifyFunction.CONFIG_KEY,
        key -> conf.getOptional(ConfigOptions.key(key).stringType().noDefaultValue())
            .orElse(jobParameters.get(key)), "table configuration"));
  }

  @Override
  public void open(FunctionContext context) throws Exception {
    ModelReference p = pipeline != null ? pipeline : Pipelines.read(ClassifyFunction.CONFIG_KEY,
        key -> context.getJobParameter(key, null), "job parameters");
    runner = new Prediction.Runner(ModelHost.pipeline(p, context::getCachedFile), 0.5);
  }

  @Override
  public void close() throws Exception {
    runner = null;
  }

  @Override
  public String toString() {
    return "classify_proba(" + (pipeline == null ? "pipeline from configuration" : pipeline) + ")";
  }
}
