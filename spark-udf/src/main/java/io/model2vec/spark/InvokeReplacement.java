package io.model2vec.spark;

import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.RuntimeReplaceable;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.expressions.objects.Invoke;
import org.apache.spark.sql.catalyst.trees.TreePattern$;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.ObjectType;
import scala.Enumeration;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A SQL function of one input as the analyzer and the user see it ({@code embed(text)},
 * {@code nearest(query, 'index', k)}): a node that prints under the function's name, so that
 * result columns, {@code CREATE TABLE AS SELECT} and {@code EXPLAIN} show a stable name, and that
 * the optimizer replaces ({@link RuntimeReplaceable}) with what runs: a code-generated call of
 * {@code target.method(input)} that returns Spark's internal data as it is; a null input gives
 * null without the call. Subclasses give the name, the printed forms and the tree node's
 * elements (public only because Spark's TreeNode.makeCopy finds their public constructors by
 * reflection).
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public abstract class InvokeReplacement extends Expression implements RuntimeReplaceable {
  private static final long serialVersionUID = 1L;

  private final Expression input;
  private final DataType type;
  private final Expression replacement;

  protected InvokeReplacement(Expression input, Object target, Class<?> targetClass,
      String method, DataType type) {
    this.input = Objects.requireNonNull(input, "input");
    this.type = Objects.requireNonNull(type, "type");
    this.replacement = new Invoke(
        Literal.create(Objects.requireNonNull(target, "target"), new ObjectType(targetClass)),
        method,
        type,
        CollectionConverters.asScala(List.of(input)).toList(),
        CollectionConverters.asScala(List.<org.apache.spark.sql.types.AbstractDataType>of()).toList(),
        true,  // propagateNull: null input -> null, without calling the target
        true,  // returnNullable
        true); // deterministic
  }

  /** The same function of another input (the analyzer and the optimizer rewrite children). */
  protected abstract InvokeReplacement withInput(Expression newInput);

  protected final Expression input() {
    return input;
  }

  @Override
  public final Expression replacement() {
    return replacement;
  }

  @Override
  public final Seq<Enumeration.Value> nodePatterns() {
    return CollectionConverters.asScala(List.of(TreePattern$.MODULE$.RUNTIME_REPLACEABLE()))
        .toList();
  }

  @Override
  public final void org$apache$spark$sql$catalyst$expressions$RuntimeReplaceable$_setter_$nodePatterns_$eq(
      Seq<Enumeration.Value> patterns) {
    // a constant here: nodePatterns() above
  }

  @Override
  public final Seq<Expression> children() {
    return CollectionConverters.asScala(List.of(input)).toList();
  }

  @Override
  public final Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return withInput(children.apply(0));
  }

  @Override
  public final boolean nullable() {
    return replacement.nullable();
  }

  @Override
  public final DataType dataType() {
    return type;
  }

  @Override
  public final Object eval(InternalRow row) {
    return replacement.eval(row);
  }

  @Override
  public final ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    ExprCode code = replacement.genCode(ctx);
    return ev.copy(code.code(), code.isNull(), code.value());
  }
}
