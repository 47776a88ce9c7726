package io.model2vec.flink;

import io.model2vec.ModelReference;
import io.model2vec.StaticModelPipeline;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.types.Row;

/**
 * DataStream classification: takes a text from each record, runs a model2vec classifier pipeline
 * on it, and combines record and {@link Prediction} into the output record. As
 * {@link EmbeddingMapFunction}: the function holds only its pipeline's reference, the
 * TaskManager's shared pipeline is taken in {@link #open} (one load per TaskManager), and a
 * {@code null} text gives a {@code null} prediction.
 *
 * <pre>{@code
 * ModelReference spam = Model2VecFlink.shipPipeline(env, ModelReference.of(folder));
 * DataStream<Prediction> p = texts.map(ClassificationMapFunction.strings(spam));
 * DataStream<Row> labelled = rows.map(ClassificationMapFunction.rows(spam, rowType, "text"));
 * }</pre>
 *
 * @param <IN> the input record
 * @param <OUT> the output record
 */
public final class ClassificationMapFunction<IN, OUT> extends RichMapFunction<IN, OUT>
    implements ResultTypeQueryable<OUT> {
  private static final long serialVersionUID = 1L;

  /** Builds the output from the record and its prediction ({@code null} for a null text). */
  @FunctionalInterface
  public interface Combiner<IN, OUT> extends Serializable {
    OUT combine(IN record, Prediction prediction);
  }

  private final ModelReference pipeline;
  private final double threshold;
  private final EmbeddingMapFunction.TextExtractor<IN> extractor;
  private final Combiner<IN, OUT> combiner;
  private final TypeInformation<OUT> outputType;

  private transient Prediction.Runner runner;
  private transient Counter classified;
  private transient Counter nullTexts;

  /**
   * @param threshold multilabel heads predict the classes above it (model2vec's default: 0.5)
   * @param outputType the type of the output records (Flink cannot infer it from lambdas)
   */
  public ClassificationMapFunction(ModelReference pipeline, double threshold,
      EmbeddingMapFunction.TextExtractor<IN> extractor, Combiner<IN, OUT> combiner,
      TypeInformation<OUT> outputType) {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [0, 1], was " + threshold);
    }
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline must not be null");
    this.threshold = threshold;
    this.extractor = Objects.requireNonNull(extractor, "extractor must not be null");
    this.combiner = Objects.requireNonNull(combiner, "combiner must not be null");
    this.outputType = Objects.requireNonNull(outputType, "outputType must not be null");
  }

  /** {@code String -> Prediction} ({@code null} for a null text). */
  public static ClassificationMapFunction<String, Prediction> strings(ModelReference pipeline) {
    return new ClassificationMapFunction<>(pipeline, StaticModelPipeline.DEFAULT_THRESHOLD,
        text -> text, (text, p) -> p, TypeInformation.of(Prediction.class));
  }

  /**
   * {@code Row -> Row}: the input row with two more fields, {@code labels} ({@code String[]}:
   * the class, or a multilabel head's labels) and {@code proba} ({@code Map<String, Float>}),
   * classifying the string field {@code textField} of {@code inputType}; both are null for a
   * null text.
   */
  public static ClassificationMapFunction<Row, Row> rows(ModelReference pipeline,
      RowTypeInfo inputType, String textField) {
    int index = inputType.getFieldIndex(textField);
    if (index < 0) {
      throw new IllegalArgumentException("textField must be a field of the row type "
          + Arrays.toString(inputType.getFieldNames()) + ", was '" + textField + "'");
    }
    if (!TypeInformation.of(String.class).equals(inputType.getTypeAt(index))) {
      throw new IllegalArgumentException("textField '" + textField + "' must be a String field, "
          + "but is " + inputType.getTypeAt(index));
    }
    int arity = inputType.getArity();
    String[] names = Arrays.copyOf(inputType.getFieldNames(), arity + 2);
    names[arity] = "labels";
    names[arity + 1] = "proba";
    TypeInformation<?>[] types = Arrays.copyOf(inputType.getFieldTypes(), arity + 2);
    types[arity] = BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO;
    types[arity + 1] = Types.MAP(Types.STRING, Types.FLOAT);
    String[] inNames = inputType.getFieldNames();
    return new ClassificationMapFunction<>(pipeline, StaticModelPipeline.DEFAULT_THRESHOLD,
        row -> (String) field(row, index, inNames),
        (row, p) -> {
          Row out = Row.withPositions(row.getKind(), arity + 2);
          for (int i = 0; i < arity; i++) {
            out.setField(i, field(row, i, inNames));
          }
          out.setField(arity, p == null ? null : p.labels().toArray(new String[0]));
          out.setField(arity + 1, p == null ? null : p.probabilities());
          return out;
        }, new RowTypeInfo(types, names));
  }

  private static Object field(Row row, int i, String[] names) {
    return row.getFieldNames(false) == null ? row.getField(i) : row.getField(names[i]);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    runner = new Prediction.Runner(ModelHost.pipeline(pipeline,
        getRuntimeContext().getDistributedCache()::getFile), threshold);
    classified = getRuntimeContext().getMetricGroup().counter("model2vecClassified");
    nullTexts = getRuntimeContext().getMetricGroup().counter("model2vecNullTexts");
  }

  @Override
  public OUT map(IN record) {
    String text = extractor.text(record);
    Prediction p;
    if (text == null) {
      p = null;
      nullTexts.inc();
    } else {
      p = runner.predict(text);
      classified.inc();
    }
    return combiner.combine(record, p);
  }

  @Override
  public void close() throws Exception {
    runner = null; // the TaskManager's shared pipeline stays for the other slots
  }

  @Override
  public TypeInformation<OUT> getProducedType() {
    return outputType;
  }

  /** The pipeline this function classifies with. */
  public ModelReference pipeline() {
    return pipeline;
  }
}
