package io.model2vec.spark.index;

import io.model2vec.index.IndexManifest;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The {@code nearest} SQL function: {@code nearest(query, 'index folder'[, k])}, the k nearest
 * rows of an index built by {@link Model2VecIndex} as
 * {@code array<struct<id string, score float, text string, <kept columns> string>>}. Registered
 * with {@code embed} (the session API and the session extension). Public for those registrations
 * only.
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public final class NearestFunction {
  static final String NAME = "nearest";
  static final int DEFAULT_K = 10;

  static final ExpressionInfo INFO = new ExpressionInfo(Nearest.class.getName(), null, NAME,
      "_FUNC_(query, index[, k]) - Returns the k nearest rows of a Model2Vec index as "
          + "array<struct<id, score, text, kept columns...>> (score: cosine similarity, best "
          + "first; null for a null query).",
      "\n    Arguments:\n"
          + "      * query - a string (embedded with the index's model) or an array<float> "
          + "vector such as embed(text)\n"
          + "      * index - a string literal: the index folder (a path every executor reads, or "
          + "a Hadoop URI, copied once per executor)\n"
          + "      * k - optional, an integer literal >= 1; default 10\n"
          + "\n    Examples:\n"
          + "      > SELECT _FUNC_('reset my password', '/data/index', 5);\n"
          + "      > SELECT q.id, n.id, n.score FROM q LATERAL VIEW explode(_FUNC_(embed(q.text), "
          + "'/data/index')) AS n;\n");

  private NearestFunction() {}

  public static FunctionIdentifier identifier() {
    return new FunctionIdentifier(NAME, Option.empty(), Option.empty());
  }

  /** (identifier, description, builder), as {@code SparkSessionExtensions.injectFunction} takes. */
  public static Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>, Expression>>
      description() {
    return new Tuple3<>(identifier(), INFO, NearestFunction::build);
  }

  /** Registers {@code nearest} in a session's function registry (idempotent). */
  public static void register(FunctionRegistry registry) {
    registry.registerFunction(identifier(), INFO, NearestFunction::build);
  }

  private static Expression build(Seq<Expression> arguments) {
    List<Expression> args = CollectionConverters.asJava(arguments);
    if (args.size() < 2 || args.size() > 3) {
      throw analysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", Map.of(
          "functionName", "`" + NAME + "`", "expectedNum", "[2, 3]",
          "actualNum", Integer.toString(args.size()), "docroot", "https://spark.apache.org/docs/latest"));
    }
    Expression query = args.get(0);
    Expression index = args.get(1);
    if (!index.foldable() || !(index.dataType() instanceof StringType) || index.eval(null) == null) {
      throw typeError("second", "\"STRING\" literal (an index folder)", index);
    }
    int k = DEFAULT_K;
    if (args.size() == 3) {
      Expression kx = args.get(2);
      if (!kx.foldable() || !(kx.dataType() instanceof IntegerType)) {
        throw typeError("third", "\"INT\" literal >= 1 (k)", kx);
      }
      Object v = kx.eval(null);
      if (v == null || (Integer) v < 1) {
        // the type is right, the value is not: say that, as Flink's nearest does
        throw new IllegalArgumentException("nearest: k must be an integer literal >= 1, was "
            + (v == null ? "NULL" : v));
      }
      k = (Integer) v;
    }
    SparkSession spark = SparkSession.active();
    var hadoopConf = spark.sparkContext().hadoopConfiguration();
    String folder = index.eval(null).toString();
    Path qualified;
    try {
      Path p = new Path(folder);
      FileSystem fs = p.getFileSystem(hadoopConf);
      qualified = fs.makeQualified(p);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("nearest: index " + folder + ": " + e.getMessage(), e);
    }
    // the stored columns decide the result type: read the manifest now, on the driver
    IndexManifest manifest = Model2VecIndex.readManifest(spark, qualified);
    StructType hit = new StructType()
        .add("id", DataTypes.StringType, false)
        .add("score", DataTypes.FloatType, false)
        .add("text", DataTypes.StringType, true);
    for (String f : manifest.storedFields()) {
      hit = hit.add(f, DataTypes.StringType, true);
    }
    ArrayType type = DataTypes.createArrayType(hit, false);
    Nearest nearest = new Nearest(qualified.toString(), k, manifest.storedFields().size(),
        new HadoopConf(hadoopConf));
    DataType qt = query.dataType();
    if (qt instanceof NullType) {
      return Literal.create(null, type);
    }
    String method;
    if (qt instanceof StringType) {
      method = "nearestText";
    } else if (qt instanceof ArrayType && ((ArrayType) qt).elementType() instanceof FloatType) {
      method = "nearestVector";
    } else {
      throw typeError("first", "\"STRING\" or \"ARRAY<FLOAT>\"", query);
    }
    return new NearestExpression(query, folder, k, nearest, method, type);
  }

  private static RuntimeException typeError(String index, String required, Expression e) {
    return analysisError("UNEXPECTED_INPUT_TYPE", Map.of("paramIndex", index,
        "functionName", "`" + NAME + "`", "requiredType", required,
        "inputSql", "\"" + e.sql() + "\"", "inputType", "\"" + e.dataType().sql() + "\""));
  }

  /** An AnalysisException (checked in Java, not in Scala) thrown as Spark itself throws it. */
  private static RuntimeException analysisError(String errorClass, Map<String, String> params) {
    throw NearestFunction.<RuntimeException>sneakyThrow(new AnalysisException(errorClass,
        scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(params))));
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneakyThrow(Throwable e) throws E {
    throw (E) e;
  }
}
