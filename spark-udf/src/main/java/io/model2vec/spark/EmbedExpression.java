package io.model2vec.spark;

import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code embed(text[, 'model'])}: replaced by a code-generated call of {@link Embedder#embed}
 * that returns Spark's {@code UnsafeArrayData} (no float boxed); a null text gives null without
 * calling the model.
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public final class EmbedExpression extends InvokeReplacement {
  private static final long serialVersionUID = 1L;
  static final DataType TYPE = DataTypes.createArrayType(DataTypes.FloatType, false);

  /** The model's name in {@code embed(text, 'name')}, or null for the default model. */
  private final String modelName;
  private final Embedder embedder;

  public EmbedExpression(Expression text, String modelName, Embedder embedder) {
    super(text, Objects.requireNonNull(embedder, "embedder"), Embedder.class, "embed", TYPE);
    this.modelName = modelName;
    this.embedder = embedder;
  }

  @Override
  protected InvokeReplacement withInput(Expression text) {
    return new EmbedExpression(text, modelName, embedder);
  }

  @Override
  public String prettyName() {
    return EmbedFunction.NAME;
  }

  @Override
  public String sql() {
    return prettyName() + "(" + input().sql()
        + (modelName == null ? "" : ", '" + modelName + "'") + ")";
  }

  @Override
  public String toString() {
    return prettyName() + "(" + input() + (modelName == null ? "" : ", " + modelName) + ")";
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    switch (n) {
      case 0: return input();
      case 1: return modelName;
      case 2: return embedder;
      default: throw new IndexOutOfBoundsException("EmbedExpression has 3 elements, not " + n);
    }
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof EmbedExpression;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof EmbedExpression)) {
      return false;
    }
    EmbedExpression that = (EmbedExpression) o;
    return input().equals(that.input()) && Objects.equals(modelName, that.modelName)
        && embedder.equals(that.embedder);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input(), modelName, embedder);
  }
}
