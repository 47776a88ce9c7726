package io.model2vec.flink;

import io.model2vec.ModelReference;
import java.util.function.Function;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The local {@code model2vec} provider of Flink's model DDL (Flink 2.1+):
 *
 * <pre>{@code
 * CREATE MODEL m INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)
 *   WITH ('provider' = 'model2vec', 'model' = '/models/potion-base-8M');
 * SELECT id, embedding FROM ML_PREDICT(TABLE t, MODEL m, DESCRIPTOR(text));
 * }</pre>
 *
 * <p>Options: {@code model} (folder, {@code classpath:} folder or hub id, resolved once on the
 * client; unset = the built-in default model), {@code cached-file} (a folder in the distributed
 * cache), {@code normalize}, {@code max-length} (or {@code none}), {@code dimensions},
 * {@code revision}, {@code subfolder} ({@link Model2VecOptions}). The model
 * takes one string input column and has one {@code ARRAY<FLOAT>} output column; a {@code NULL}
 * text gives a {@code NULL} embedding. Registered through {@code
 * META-INF/services/org.apache.flink.table.factories.Factory}.
 */
public final class Model2VecModelProviderFactory implements ModelProviderFactory {
  /** The value of the {@code 'provider'} option. */
  public static final String IDENTIFIER = "model2vec";

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Collections.emptySet();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return new HashSet<>(Model2VecOptions.ALL);
  }

  @Override
  public ModelProvider createModelProvider(Context context) {
    // Rejects unknown options (typos) with Flink's own message listing the supported ones.
    FactoryUtil.createModelProviderFactoryHelper(this, context).validate();
    String name = context.getObjectIdentifier().asSummaryString();
    if (context.getConfiguration().get(ExecutionOptions.RUNTIME_MODE)
        == RuntimeExecutionMode.BATCH) {
      // Flink's batch planner (2.1 to 2.3) has no physical rule for ML_PREDICT's table function: without
      // this line the query fails with a planner dump of hundreds of lines.
      throw new ValidationException("model2vec model '" + name + "': Flink cannot plan ML_PREDICT "
          + "in batch mode; use the SQL function there: CREATE TEMPORARY FUNCTION embed AS "
          + "'io.model2vec.flink.EmbedFunction' (the model from SET 'model2vec.model' = ...), "
          + "then SELECT embed(text) ...");
    }
    checkSchemas(name, context.getCatalogModel().getResolvedInputSchema(),
        context.getCatalogModel().getResolvedOutputSchema());
    Map<String, String> options = context.getCatalogModel().getOptions();
    ModelReference model = Model2VecOptions.read("", options::get, "model '" + name + "'");
    return new Provider(model);
  }

  private static void checkSchemas(String name, ResolvedSchema input, ResolvedSchema output) {
    List<LogicalType> in = input.getColumnDataTypes().stream().map(t -> t.getLogicalType()).toList();
    if (in.size() != 1 || !in.get(0).is(LogicalTypeFamily.CHARACTER_STRING)) {
      throw new ValidationException("model2vec model '" + name + "' must have one STRING input "
          + "column (the text), but its INPUT is " + input.getColumns());
    }
    List<LogicalType> out = output.getColumnDataTypes().stream().map(t -> t.getLogicalType()).toList();
    if (out.size() != 1 || !out.get(0).is(LogicalTypeRoot.ARRAY)
        || !((ArrayType) out.get(0)).getElementType().is(LogicalTypeRoot.FLOAT)) {
      throw new ValidationException("model2vec model '" + name + "' must have one ARRAY<FLOAT> "
          + "output column (the embedding), but its OUTPUT is " + output.getColumns());
    }
  }

  /** Carries the model description from the planner to the predict function. */
  private static final class Provider implements PredictRuntimeProvider {
    private final ModelReference model;

    Provider(ModelReference model) {
      this.model = model;
    }

    @Override
    public PredictFunction createPredictFunction(ModelProvider.Context context) {
      return new Predict(model);
    }

    @Override
    public ModelProvider copy() {
      return new Provider(model); // ModelReference is immutable
    }
  }

  /** One text in, one row with its vector out (public: the planner's generated code calls it). */
  public static final class Predict extends PredictFunction {
    private static final long serialVersionUID = 1L;

    private final ModelReference model;
    private transient Function<String, float[]> encoder;

    Predict(ModelReference model) {
      this.model = model;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
      encoder = ModelHost.encoder(model, context::getCachedFile);
    }

    @Override
    public Collection<RowData> predict(RowData features) {
      if (features.isNullAt(0)) {
        return List.of(GenericRowData.of((Object) null));
      }
      float[] vector = encoder.apply(features.getString(0).toString());
      return List.of(GenericRowData.of(new GenericArrayData(vector)));
    }

    @Override
    public void close() throws Exception {
      encoder = null; // the TaskManager's shared model stays for the other slots
    }
  }
}
