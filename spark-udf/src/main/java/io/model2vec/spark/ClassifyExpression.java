package io.model2vec.spark;

import java.util.Objects;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataType;

/**
 * {@code classify(text[, 'pipeline'])} and {@code classify_proba(text[, 'pipeline'])}: replaced
 * by a code-generated call of a {@link Classifier} method; a null text gives null without calling
 * the pipeline.
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public final class ClassifyExpression extends InvokeReplacement {
  private static final long serialVersionUID = 1L;

  private final String function;
  /** The pipeline's name in {@code classify(text, 'name')}, or null for the default pipeline. */
  private final String pipelineName;
  private final Classifier classifier;
  private final String method;
  private final DataType type;

  public ClassifyExpression(Expression text, String function, String pipelineName,
      Classifier classifier, String method, DataType type) {
    super(text, Objects.requireNonNull(classifier, "classifier"), Classifier.class, method, type);
    this.function = function;
    this.pipelineName = pipelineName;
    this.classifier = classifier;
    this.method = method;
    this.type = type;
  }

  @Override
  protected InvokeReplacement withInput(Expression text) {
    return new ClassifyExpression(text, function, pipelineName, classifier, method, type);
  }

  @Override
  public String prettyName() {
    return function;
  }

  @Override
  public String sql() {
    return prettyName() + "(" + input().sql()
        + (pipelineName == null ? "" : ", '" + pipelineName + "'") + ")";
  }

  @Override
  public String toString() {
    return prettyName() + "(" + input() + (pipelineName == null ? "" : ", " + pipelineName) + ")";
  }

  @Override
  public int productArity() {
    return 6;
  }

  @Override
  public Object productElement(int n) {
    switch (n) {
      case 0: return input();
      case 1: return function;
      case 2: return pipelineName;
      case 3: return classifier;
      case 4: return method;
      case 5: return type;
      default: throw new IndexOutOfBoundsException("ClassifyExpression has 6 elements, not " + n);
    }
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof ClassifyExpression;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ClassifyExpression)) {
      return false;
    }
    ClassifyExpression that = (ClassifyExpression) o;
    return input().equals(that.input()) && function.equals(that.function)
        && Objects.equals(pipelineName, that.pipelineName) && classifier.equals(that.classifier)
        && method.equals(that.method);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input(), function, pipelineName, classifier, method);
  }
}
