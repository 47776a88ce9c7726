package io.model2vec.flink;

import io.model2vec.ModelReference;
import java.util.function.Function;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.types.Row;

/**
 * DataStream enrichment: takes a text from each record, embeds it, and combines record and vector
 * into the output record.
 *
 * <p>The function holds only configuration (a {@link ModelReference}, the extractor, the combiner
 * and the output type); the TaskManager's shared model ({@link ModelReference#shared}) is taken in
 * {@link #open}, so a TaskManager with several slots loads it once, and dropped in
 * {@link #close}. A {@code null} text gives a {@code null} vector (the combiner sees {@code null}).
 *
 * <pre>{@code
 * DataStream<float[]> vectors = texts.map(EmbeddingMapFunction.strings(ModelReference.of(folder)));
 * DataStream<Row> enriched = rows.map(EmbeddingMapFunction.rows(ModelReference.of(folder), rowType, "text"));
 * }</pre>
 *
 * @param <IN> the input record
 * @param <OUT> the output record
 */
public final class EmbeddingMapFunction<IN, OUT> extends RichMapFunction<IN, OUT>
    implements ResultTypeQueryable<OUT> {
  private static final long serialVersionUID = 1L;

  /** Takes the text to embed out of a record; may return {@code null}. */
  @FunctionalInterface
  public interface TextExtractor<IN> extends Serializable {
    String text(IN record);
  }

  /** Builds the output from the record and its vector ({@code null} for a null text). */
  @FunctionalInterface
  public interface Combiner<IN, OUT> extends Serializable {
    OUT combine(IN record, float[] vector);
  }

  private final ModelReference model;
  private final TextExtractor<IN> extractor;
  private final Combiner<IN, OUT> combiner;
  private final TypeInformation<OUT> outputType;

  private transient Function<String, float[]> encoder;
  private transient Counter embedded;
  private transient Counter nullTexts;

  /**
   * @param outputType the type of the output records (Flink cannot infer it from lambdas)
   */
  public EmbeddingMapFunction(ModelReference model, TextExtractor<IN> extractor,
      Combiner<IN, OUT> combiner, TypeInformation<OUT> outputType) {
    this.model = Objects.requireNonNull(model, "model must not be null (ModelReference.defaultModel())");
    this.extractor = Objects.requireNonNull(extractor, "extractor must not be null");
    this.combiner = Objects.requireNonNull(combiner, "combiner must not be null");
    this.outputType = Objects.requireNonNull(outputType, "outputType must not be null");
  }

  /** {@code String -> float[]}: the vector of each text ({@code null} for a null text). */
  public static EmbeddingMapFunction<String, float[]> strings(ModelReference model) {
    return new EmbeddingMapFunction<>(model, text -> text, (text, vector) -> vector,
        PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO);
  }

  /**
   * {@code Row -> Row}: the input row with one more field, {@code embedding} ({@code float[]}),
   * embedding the string field {@code textField} of {@code inputType}.
   */
  public static EmbeddingMapFunction<Row, Row> rows(ModelReference model, RowTypeInfo inputType,
      String textField) {
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
    String[] names = Arrays.copyOf(inputType.getFieldNames(), arity + 1);
    names[arity] = "embedding";
    TypeInformation<?>[] types = Arrays.copyOf(inputType.getFieldTypes(), arity + 1);
    types[arity] = PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO;
    String[] inNames = inputType.getFieldNames();
    return new EmbeddingMapFunction<>(model, row -> (String) field(row, index, inNames),
        (row, vector) -> {
          Row out = Row.withPositions(row.getKind(), arity + 1);
          for (int i = 0; i < arity; i++) {
            out.setField(i, field(row, i, inNames));
          }
          out.setField(arity, vector);
          return out;
        }, new RowTypeInfo(types, names));
  }

  /** Field {@code i} of a position-based row, or field {@code names[i]} of a name-based one. */
  private static Object field(Row row, int i, String[] names) {
    return row.getFieldNames(false) == null ? row.getField(i) : row.getField(names[i]);
  }

  /**
   * POJOs (or any mutable type): reads the text with {@code getter}, stores the vector with
   * {@code setter} and passes the same object on.
   */
  public static <T> EmbeddingMapFunction<T, T> pojos(ModelReference model, TextExtractor<T> getter,
      VectorSetter<T> setter, Class<T> type) {
    Objects.requireNonNull(setter, "setter must not be null");
    return new EmbeddingMapFunction<>(model, getter, (record, vector) -> {
      setter.set(record, vector);
      return record;
    }, TypeInformation.of(type));
  }

  /** Stores a vector into a record ({@link #pojos}). */
  @FunctionalInterface
  public interface VectorSetter<T> extends Serializable {
    void set(T record, float[] vector);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    encoder = ModelHost.encoder(model, getRuntimeContext().getDistributedCache()::getFile);
    embedded = getRuntimeContext().getMetricGroup().counter("model2vecEmbedded");
    nullTexts = getRuntimeContext().getMetricGroup().counter("model2vecNullTexts");
  }

  @Override
  public OUT map(IN record) {
    String text = extractor.text(record);
    float[] vector;
    if (text == null) {
      vector = null;
      nullTexts.inc();
    } else {
      vector = encoder.apply(text);
      embedded.inc();
    }
    return combiner.combine(record, vector);
  }

  @Override
  public void close() throws Exception {
    encoder = null; // the TaskManager's shared model stays for the other slots
  }

  @Override
  public TypeInformation<OUT> getProducedType() {
    return outputType;
  }

  /** The model this function embeds with. */
  public ModelReference model() {
    return model;
  }
}
