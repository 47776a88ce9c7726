package io.model2vec.spark;

import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.io.Serializable;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.LongAccumulator;

/**
 * The object {@code embed(text)} calls on executors; public only because Spark's generated code
 * invokes it. It carries the {@link ModelReference} and the coverage accumulators; the model
 * itself is the executor JVM's shared instance, looked up on a task's first row and then kept in a
 * field, so rows pay no lookup and no lock.
 *
 * <p>Returns Spark's internal {@link UnsafeArrayData} built from the primitive {@code float[]}:
 * no float is boxed on the way into the row.
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public final class Embedder implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ModelReference reference;
  private final LongAccumulator texts;
  private final LongAccumulator tokens;
  private final LongAccumulator unknown;
  private transient StaticModel model;
  private transient StaticModel.TokenCounter counter;

  Embedder(ModelReference reference, LongAccumulator texts, LongAccumulator tokens,
      LongAccumulator unknown) {
    this.reference = reference;
    this.texts = texts;
    this.tokens = tokens;
    this.unknown = unknown;
  }

  /** Called by generated code for each non-null text. */
  public ArrayData embed(UTF8String text) {
    StaticModel m = model;
    if (m == null) {
      m = model();
    }
    return UnsafeArrayData.fromPrimitiveArray(encode(m, text.toString()));
  }

  /** The vector of a non-null text, counted like {@link #embed} (the Hive function's path). */
  float[] encode(String text) {
    StaticModel m = model;
    if (m == null) {
      m = model();
    }
    return encode(m, text);
  }

  private float[] encode(StaticModel m, String text) {
    float[] out = new float[m.dimension()];
    StaticModel.TokenCounter c = counter;
    c.reset();
    m.encodeInto(text, out, 0, c);
    texts.add(1);
    tokens.add(c.tokens());
    unknown.add(c.unknown());
    return out;
  }

  /** The model of this executor JVM for the reference (loaded by its first user, once). */
  StaticModel model() {
    StaticModel m = model;
    if (m == null) {
      m = ShippedModels.model(reference);
      counter = new StaticModel.TokenCounter();
      model = m;
    }
    return m;
  }

  ModelReference reference() {
    return reference;
  }

  /**
   * Equal for the same model reference and the same coverage accumulators: two {@code embed(t)}
   * in one query are then the same expression (GROUP BY embed(t), cached plans).
   */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Embedder)) {
      return false;
    }
    Embedder that = (Embedder) o;
    return reference.equals(that.reference) && texts.id() == that.texts.id()
        && tokens.id() == that.tokens.id() && unknown.id() == that.unknown.id();
  }

  @Override
  public int hashCode() {
    return reference.hashCode() * 31 + Long.hashCode(texts.id());
  }

  /** How the optimized plan (EXPLAIN) shows the call: the model, not an object hash. */
  @Override
  public String toString() {
    return "model2vec[" + reference + "]";
  }
}
