package io.model2vec.spark.index;

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
 * {@code nearest(query, 'index'[, k])} as the analyzer and the user see it (public only because
 * Spark copies tree nodes through their public constructor): prints as {@code nearest(...)}; the
 * optimizer replaces it with a code-generated call of {@link Nearest}; a null query gives null.
 */
public final class NearestExpression extends Expression implements RuntimeReplaceable {
  private static final long serialVersionUID = 1L;

  private final Expression query;
  private final String folder;
  private final int k;
  private final Nearest nearest;
  private final String method;
  private final DataType type;
  private final Expression replacement;

  /** Public, as Spark's TreeNode.makeCopy finds constructors by reflection among public ones. */
  public NearestExpression(Expression query, String folder, int k, Nearest nearest, String method,
      DataType type) {
    this.query = Objects.requireNonNull(query, "query");
    this.folder = folder;
    this.k = k;
    this.nearest = Objects.requireNonNull(nearest, "nearest");
    this.method = method;
    this.type = type;
    this.replacement = new Invoke(
        Literal.create(nearest, new ObjectType(Nearest.class)),
        method,
        type,
        CollectionConverters.asScala(List.of(query)).toList(),
        CollectionConverters.asScala(List.<org.apache.spark.sql.types.AbstractDataType>of()).toList(),
        true,  // propagateNull: null query -> null, without searching
        true,  // returnNullable
        true); // deterministic
  }

  @Override
  public Expression replacement() {
    return replacement;
  }

  @Override
  public Seq<Enumeration.Value> nodePatterns() {
    return CollectionConverters.asScala(List.of(TreePattern$.MODULE$.RUNTIME_REPLACEABLE()))
        .toList();
  }

  @Override
  public void org$apache$spark$sql$catalyst$expressions$RuntimeReplaceable$_setter_$nodePatterns_$eq(
      Seq<Enumeration.Value> patterns) {
    // a constant here: nodePatterns() above
  }

  @Override
  public Seq<Expression> children() {
    return CollectionConverters.asScala(List.of(query)).toList();
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return new NearestExpression(children.apply(0), folder, k, nearest, method, type);
  }

  @Override
  public boolean nullable() {
    return replacement.nullable();
  }

  @Override
  public DataType dataType() {
    return type;
  }

  @Override
  public Object eval(InternalRow row) {
    return replacement.eval(row);
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    ExprCode code = replacement.genCode(ctx);
    return ev.copy(code.code(), code.isNull(), code.value());
  }

  @Override
  public String prettyName() {
    return NearestFunction.NAME;
  }

  @Override
  public String sql() {
    return prettyName() + "(" + query.sql() + ", '" + folder + "', " + k + ")";
  }

  @Override
  public String toString() {
    return prettyName() + "(" + query + ", " + folder + ", " + k + ")";
  }

  @Override
  public int productArity() {
    return 4;
  }

  @Override
  public Object productElement(int n) {
    switch (n) {
      case 0: return query;
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
    return query.equals(that.query) && folder.equals(that.folder) && k == that.k
        && nearest.equals(that.nearest);
  }

  @Override
  public int hashCode() {
    return Objects.hash(query, folder, k, nearest);
  }
}
