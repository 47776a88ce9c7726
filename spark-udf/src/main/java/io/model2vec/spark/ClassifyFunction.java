package io.model2vec.spark;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.StaticModelPipeline;
import java.util.List;
import java.util.Map;
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
import scala.Option;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The {@code classify} and {@code classify_proba} SQL functions: a model2vec classifier pipeline
 * (a model folder with its {@code pipeline.skops}, as Python's
 * {@code StaticModelPipeline.save_pretrained} writes it) run on each text. Registered wherever
 * {@code embed} is (the session extension, {@link Model2VecSpark#registerPipeline}).
 *
 * <p>The pipeline comes from the session configuration at analysis time:
 * {@code spark.model2vec.pipeline} (a folder, Hadoop path, {@code classpath:} folder or hub id;
 * load options under {@code spark.model2vec.pipeline.}, e.g. {@code .max-length}, and
 * {@code .threshold} for multilabel heads), or {@code spark.model2vec.pipelines.<name>} for
 * {@code classify(text, '<name>')}. The driver ships it as {@code embed} ships models; executors
 * load it once per JVM.
 */
final class ClassifyFunction {
  static final String CLASSIFY = "classify";
  static final String PROBA = "classify_proba";
  static final String PIPELINE = EmbedFunction.PREFIX + "pipeline";
  static final String NAMED = EmbedFunction.PREFIX + "pipelines.";
  static final String THRESHOLD = "threshold";

  private static final String ARGUMENTS = "\n    Arguments:\n"
      + "      * text - a string expression\n"
      + "      * pipeline - optional, a string literal naming a pipeline configured as "
      + "spark.model2vec.pipelines.<pipeline>; default: spark.model2vec.pipeline\n";

  static final ExpressionInfo CLASSIFY_INFO = new ExpressionInfo(Classifier.class.getName(), null,
      CLASSIFY, "_FUNC_(text[, pipeline]) - Returns the class a model2vec classifier pipeline "
          + "predicts for `text`: a string (its most probable class), array<string> for a "
          + "multilabel head (every class above the threshold, default 0.5), array<float> for a "
          + "projector; null for null.",
      ARGUMENTS + "\n    Examples:\n"
          + "      > SELECT _FUNC_('WIN A FREE CRUISE!!!');\n"
          + "      > SELECT id, _FUNC_(body, 'language') FROM docs;\n");

  static final ExpressionInfo PROBA_INFO = new ExpressionInfo(Classifier.class.getName(), null,
      PROBA, "_FUNC_(text[, pipeline]) - Returns the probability of each class of a model2vec "
          + "classifier pipeline for `text` as map<string, float>; null for null.",
      ARGUMENTS + "\n    Examples:\n"
          + "      > SELECT _FUNC_('WIN A FREE CRUISE!!!')['spam'];\n"
          + "      > SELECT id, _FUNC_(body, 'language') FROM docs;\n");

  private ClassifyFunction() {}

  /** Both functions as the session extension injects them. */
  static List<Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>,
      Expression>>> descriptions() {
    return List.of(
        new Tuple3<>(new FunctionIdentifier(CLASSIFY, Option.empty(), Option.empty()),
            CLASSIFY_INFO, args -> build(CLASSIFY, args)),
        new Tuple3<>(new FunctionIdentifier(PROBA, Option.empty(), Option.empty()),
            PROBA_INFO, args -> build(PROBA, args)));
  }

  /** Registers both functions on a session (idempotent). */
  static void register(SparkSession session) {
    var registry = SparkLine.functionRegistry(session);
    for (var d : descriptions()) {
      registry.registerFunction(EmbedFunction.registryIdentifier(d._1().funcName()), d._2(),
          d._3());
    }
  }

  private static Expression build(String function, Seq<Expression> arguments) {
    List<Expression> args = CollectionConverters.asJava(arguments);
    if (args.size() < 1 || args.size() > 2) {
      throw EmbedFunction.analysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", Map.of(
          "functionName", "`" + function + "`", "expectedNum", "[1, 2]",
          "actualNum", Integer.toString(args.size()),
          "docroot", "https://spark.apache.org/docs/latest"));
    }
    Expression text = args.get(0);
    String name = null;
    if (args.size() == 2) {
      Expression n = args.get(1);
      if (!n.foldable() || !(n.dataType() instanceof StringType)) {
        throw EmbedFunction.analysisError("UNEXPECTED_INPUT_TYPE", Map.of("paramIndex", "second",
            "functionName", "`" + function + "`",
            "requiredType", "\"STRING\" literal (a pipeline name)",
            "inputSql", "\"" + n.sql() + "\"", "inputType", "\"" + n.dataType().sql() + "\""));
      }
      Object v = n.eval(null);
      name = v == null ? null : v.toString();
    }
    DataType type = text.dataType();
    if (!(type instanceof NullType) && !(type instanceof StringType)) {
      throw EmbedFunction.analysisError("UNEXPECTED_INPUT_TYPE", Map.of("paramIndex", "first",
          "functionName", "`" + function + "`", "requiredType", "\"STRING\"",
          "inputSql", "\"" + text.sql() + "\"", "inputType", "\"" + type.sql() + "\""));
    }
    SQLConf conf = SQLConf.get();
    Classifier classifier = classifier(conf, function, name);
    StaticModelPipeline p = ShippedModels.pipelineOnDriver(classifier.reference());
    String method;
    DataType out;
    if (function.equals(PROBA)) {
      if (p.isProjector()) {
        throw new IllegalArgumentException(PROBA + ": pipeline " + classifier.reference()
            + " is a projector (MLPRegressor), which has no classes; use " + CLASSIFY);
      }
      method = "classifyProba";
      out = DataTypes.createMapType(DataTypes.StringType, DataTypes.FloatType, false);
    } else if (p.isProjector()) {
      method = "project";
      out = DataTypes.createArrayType(DataTypes.FloatType, false);
    } else if (p.isMultilabel()) {
      method = "classifyLabels";
      out = DataTypes.createArrayType(DataTypes.StringType, false);
    } else {
      method = "classify";
      out = DataTypes.StringType;
    }
    if (type instanceof NullType) {
      return Literal.create(null, out);
    }
    return new ClassifyExpression(text, function, name, classifier, method, out);
  }

  /** The classifier for the session's configuration of pipeline {@code name} (null: default). */
  static Classifier classifier(SQLConf conf, String function, String name) {
    String key = name == null ? PIPELINE : NAMED + name;
    String ref = conf.getConfString(key, null);
    if (ref == null || ref.isBlank()) {
      throw new IllegalArgumentException(function + "(text" + (name == null ? ""
          : ", '" + name + "'") + "): no pipeline" + (name == null ? "" : " named '" + name + "'")
          + "; set " + key + " to a pipeline folder, Hadoop path or hub id (a model with its "
          + "pipeline.skops)");
    }
    String prefix = key + ".";
    ModelReference reference = ModelReference.of(ref,
        LoadOptions.parse(prefix, k -> conf.getConfString(k, null)));
    String t = conf.getConfString(prefix + THRESHOLD, null);
    double threshold = StaticModelPipeline.DEFAULT_THRESHOLD;
    if (t != null) {
      try {
        threshold = Double.parseDouble(t.trim());
      } catch (NumberFormatException e) {
        threshold = Double.NaN;
      }
      if (!(threshold >= 0 && threshold <= 1)) {
        throw new IllegalArgumentException(prefix + THRESHOLD + " must be a number in [0, 1], was '"
            + t + "'");
      }
    }
    return new Classifier(ShippedModels.shipPipeline(SparkSession.active(), reference),
        threshold);
  }
}
