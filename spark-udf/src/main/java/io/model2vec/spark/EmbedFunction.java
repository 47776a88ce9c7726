package io.model2vec.spark;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.util.LongAccumulator;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The {@code embed} SQL function: how it is described, how its arguments are checked, and the
 * expression it becomes. Everything that registers {@code embed} (the session API, the session
 * extension) goes through {@link #register} or {@link #builder}, so there is one definition.
 *
 * <p>The model comes from the session configuration at analysis time:
 * {@code spark.model2vec.model} (and {@code .normalize}, {@code .max-length}, {@code .dimensions},
 * {@code .revision}, {@code .subfolder}: {@link LoadOptions#parse}), or
 * {@code spark.model2vec.models.<name>} for
 * {@code embed(text, '<name>')}.
 */
final class EmbedFunction {
  static final String NAME = "embed";
  static final String PREFIX = "spark.model2vec.";
  static final String MODEL = PREFIX + "model";
  static final String NAMED = PREFIX + "models.";

  private static final Map<String, Coverage> COVERAGE = new ConcurrentHashMap<>();

  static final ExpressionInfo INFO = new ExpressionInfo(Embedder.class.getName(), null, NAME,
      "_FUNC_(text[, model]) - Returns the Model2Vec embedding of `text` as array<float> "
          + "(null for null; the zero vector for a text without known tokens).",
      "\n    Arguments:\n"
          + "      * text - a string expression\n"
          + "      * model - optional, a string literal naming a model configured as "
          + "spark.model2vec.models.<model>; default: spark.model2vec.model\n"
          + "\n    Examples:\n"
          + "      > SELECT _FUNC_('It is dangerous to go alone!');\n"
          + "      > SELECT id, _FUNC_(body, 'multilingual') FROM docs;\n");

  private EmbedFunction() {}

  static FunctionIdentifier identifier() {
    return new FunctionIdentifier(NAME, Option.empty(), Option.empty());
  }

  static scala.Function1<Seq<Expression>, Expression> builder() {
    return EmbedFunction::build;
  }

  /** Registers {@code embed} on a session (idempotent). */
  static void register(SparkSession session) {
    var registry = SparkLine.functionRegistry(session);
    registry.registerFunction(REGISTRY_IDENTIFIER, INFO, builder());
    // nearest(query, 'index', k), documented with embed: the same registration, the same naming
    var nearest = io.model2vec.spark.index.NearestFunction.description();
    registry.registerFunction(registryIdentifier(nearest._1().funcName()), nearest._2(),
        nearest._3());
  }

  /**
   * The name {@code embed} has in a session's function registry: Spark 4.2 keys it by a
   * three-part name ({@code system.builtin.embed}, as the session extension registers it) and
   * asserts that; earlier lines by the bare name. The 4.2 helper is looked up once, so that one
   * jar runs on every release of its line.
   */
  private static final FunctionIdentifier REGISTRY_IDENTIFIER = registryIdentifier(NAME);

  static FunctionIdentifier registryIdentifier(String name) {
    try {
      Class<?> registry = Class.forName(
          "org.apache.spark.sql.catalyst.analysis.FunctionRegistry$");
      java.lang.reflect.Method qualify = registry.getMethod("builtinFunctionIdentifier", String.class);
      return (FunctionIdentifier) qualify.invoke(registry.getField("MODULE$").get(null), name);
    } catch (NoSuchMethodException e) {
      return new FunctionIdentifier(name, scala.Option.empty(), scala.Option.empty()); // < 4.2
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot name " + name + " in this Spark's function registry", e);
    }
  }

  private static Expression build(Seq<Expression> arguments) {
    List<Expression> args = CollectionConverters.asJava(arguments);
    if (args.size() < 1 || args.size() > 2) {
      throw analysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", Map.of(
          "functionName", "`" + NAME + "`", "expectedNum", "[1, 2]",
          "actualNum", Integer.toString(args.size()), "docroot", "https://spark.apache.org/docs/latest"));
    }
    Expression text = args.get(0);
    String modelName = null;
    if (args.size() == 2) {
      Expression name = args.get(1);
      if (!name.foldable() || !(name.dataType() instanceof StringType)) {
        throw analysisError("UNEXPECTED_INPUT_TYPE", Map.of("paramIndex", "second",
            "functionName", "`" + NAME + "`", "requiredType", "\"STRING\" literal (a model name)",
            "inputSql", "\"" + name.sql() + "\"", "inputType", "\"" + name.dataType().sql() + "\""));
      }
      Object v = name.eval(null);
      modelName = v == null ? null : v.toString();
    }
    DataType type = text.dataType();
    if (type instanceof NullType) {
      return Literal.create(null, DataTypes.createArrayType(DataTypes.FloatType, false));
    }
    if (!(type instanceof StringType)) {
      throw analysisError("UNEXPECTED_INPUT_TYPE", Map.of("paramIndex", "first",
          "functionName", "`" + NAME + "`", "requiredType", "\"STRING\"",
          "inputSql", "\"" + text.sql() + "\"", "inputType", "\"" + type.sql() + "\""));
    }
    return new EmbedExpression(text, modelName, embedder(SQLConf.get(), modelName));
  }

  /** The embedder for the session's configuration of {@code modelName} (null: the default model). */
  static Embedder embedder(SQLConf conf, String modelName) {
    String prefix = modelName == null ? PREFIX : NAMED + modelName + ".";
    String ref = conf.getConfString(modelName == null ? MODEL : NAMED + modelName, null);
    if (modelName != null && ref == null) {
      throw new IllegalArgumentException("embed(text, '" + modelName + "'): no model named '"
          + modelName + "'; set " + NAMED + modelName + " to a folder, Hadoop path or hub id");
    }
    ModelReference reference = ModelReference.of(ref,
        LoadOptions.parse(prefix, key -> conf.getConfString(key, null)));
    SparkSession session = SparkSession.active();
    Coverage coverage = coverage(session.sparkContext(), modelName == null ? "default" : modelName);
    return new Embedder(ShippedModels.ship(session, reference), coverage.texts, coverage.tokens,
        coverage.unknown);
  }

  static Coverage coverage(SparkContext sc, String name) {
    return COVERAGE.computeIfAbsent(sc.applicationId() + "|" + name, k -> new Coverage(
        sc.longAccumulator("model2vec." + name + ".texts"),
        sc.longAccumulator("model2vec." + name + ".tokens"),
        sc.longAccumulator("model2vec." + name + ".unknownTokens")));
  }

  static Coverage existingCoverage(SparkContext sc, String name) {
    return COVERAGE.get(sc.applicationId() + "|" + name);
  }

  /** An AnalysisException (checked in Java, not in Scala) thrown as Spark itself throws it. */
  static RuntimeException analysisError(String errorClass, Map<String, String> params) {
    throw EmbedFunction.<RuntimeException>sneakyThrow(new AnalysisException(errorClass,
        scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(params))));
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneakyThrow(Throwable e) throws E {
    throw (E) e;
  }

  /** The coverage accumulators of one configured model. */
  static final class Coverage {
    final LongAccumulator texts;
    final LongAccumulator tokens;
    final LongAccumulator unknown;

    Coverage(LongAccumulator texts, LongAccumulator tokens, LongAccumulator unknown) {
      this.texts = texts;
      this.tokens = tokens;
      this.unknown = unknown;
    }
  }
}
