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
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.ObjectType;
import scala.Enumeration;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code embed(text[, 'model'])} as the analyzer and the user see it (public only because Spark
 * copies tree nodes through their public constructor): a node that prints as
 * {@code embed(text)}, so that result columns, {@code CREATE TABLE AS SELECT} and {@code EXPLAIN}
 * show a stable name. The optimizer replaces it ({@link RuntimeReplaceable}) with what runs: a
 * code-generated call of {@link Embedder#embed} that returns Spark's {@code UnsafeArrayData}
 * (no float boxed); a null text gives null without calling the model.
 */
public final class EmbedExpression extends Expression implements RuntimeReplaceable {
  private static final long serialVersionUID = 1L;
  static final DataType TYPE = DataTypes.createArrayType(DataTypes.FloatType, false);

  private final Expression text;
  /** The model's name in {@code embed(text, 'name')}, or null for the default model. */
  private final String modelName;
  private final Embedder embedder;
  private final Expression replacement;

  /** Public, as Spark's TreeNode.makeCopy finds constructors by reflection among public ones. */
  public EmbedExpression(Expression text, String modelName, Embedder embedder) {
    this.text = Objects.requireNonNull(text, "text");
    this.modelName = modelName;
    this.embedder = Objects.requireNonNull(embedder, "embedder");
    this.replacement = new Invoke(
        Literal.create(embedder, new ObjectType(Embedder.class)),
        "embed",
        TYPE,
        CollectionConverters.asScala(List.of(text)).toList(),
        CollectionConverters.asScala(List.<org.apache.spark.sql.types.AbstractDataType>of()).toList(),
        true,  // propagateNull: null text -> null vector, without calling the model
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
    return CollectionConverters.asScala(List.of(text)).toList();
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> children) {
    return new EmbedExpression(children.apply(0), modelName, embedder);
  }

  @Override
  public boolean nullable() {
    return replacement.nullable();
  }

  @Override
  public DataType dataType() {
    return TYPE;
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
    return EmbedFunction.NAME;
  }

  @Override
  public String sql() {
    return prettyName() + "(" + text.sql() + (modelName == null ? "" : ", '" + modelName + "'") + ")";
  }

  @Override
  public String toString() {
    return prettyName() + "(" + text + (modelName == null ? "" : ", " + modelName) + ")";
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    switch (n) {
      case 0: return text;
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
    return text.equals(that.text) && Objects.equals(modelName, that.modelName)
        && embedder.equals(that.embedder);
  }

  @Override
  public int hashCode() {
    return Objects.hash(text, modelName, embedder);
  }
}
