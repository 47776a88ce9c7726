package io.model2vec.spark.index;

import io.model2vec.spark.InvokeReplacement;
import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataType;

/**
 * {@code nearest(query, 'index'[, k])}: replaced by a code-generated call of {@link Nearest}
 * ({@code method}: by text or by vector); a null query gives null without searching.
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public final class NearestExpression extends InvokeReplacement {
  private static final long serialVersionUID = 1L;

  private final String folder;
  private final int k;
  private final Nearest nearest;
  private final String method;

  public NearestExpression(Expression query, String folder, int k, Nearest nearest, String method,
      DataType type) {
    super(query, Objects.requireNonNull(nearest, "nearest"), Nearest.class, method, type);
    this.folder = folder;
    this.k = k;
    this.nearest = nearest;
    this.method = method;
  }

  @Override
  protected InvokeReplacement withInput(Expression query) {
    return new NearestExpression(query, folder, k, nearest, method, dataType());
  }

  @Override
  public String prettyName() {
    return NearestFunction.NAME;
  }

  @Override
  public String sql() {
    return prettyName() + "(" + input().sql() + ", '" + folder + "', " + k + ")";
  }

  @Override
  public String toString() {
    return prettyName() + "(" + input() + ", " + folder + ", " + k + ")";
  }

  @Override
  public int productArity() {
    return 4;
  }

  @Override
  public Object productElement(int n) {
    switch (n) {
      case 0: return input();
      case 1: return folder;
      case 2: return k;
      case 3: return nearest;
      default: throw new IndexOutOfBoundsException("NearestExpression has 4 elements, not " + n);
    }
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof NearestExpression;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof NearestExpression)) {
      return false;
    }
    NearestExpression that = (NearestExpression) o;
    return input().equals(that.input()) && folder.equals(that.folder) && k == that.k
        && nearest.equals(that.nearest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input(), folder, k, nearest);
  }
}
