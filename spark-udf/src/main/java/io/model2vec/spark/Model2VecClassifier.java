package io.model2vec.spark;

import io.model2vec.LoadOptions;
import io.model2vec.StaticModelPipeline;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An ML pipeline stage that runs a model2vec classifier pipeline (a model folder with its
 * {@code pipeline.skops}) on {@code inputCol}: {@code predictionCol} gets what
 * {@code classify} returns (the class; {@code array<string>} for a multilabel head,
 * {@code array<float>} for a projector) and, if set, {@code probabilityCol} what
 * {@code classify_proba} returns ({@code map<string, float>}). Saved and loaded with the ML
 * pipeline; the classifier itself is not copied, only its reference and options.
 */
public final class Model2VecClassifier extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> predictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> pipeline;
  private final IntParam maxLength;
  private final DoubleParam threshold;

  public Model2VecClassifier() {
    this(Identifiable.randomUID("model2vec_classifier"));
  }

  public Model2VecClassifier(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "input column of texts (string)");
    predictionCol = new Param<>(this, "predictionCol", "output column of predictions");
    probabilityCol = new Param<>(this, "probabilityCol",
        "output column of class probabilities (map<string, float>); empty: none");
    pipeline = new Param<>(this, "pipeline",
        "pipeline folder, Hadoop path or hub id (model files and pipeline.skops)");
    maxLength = new IntParam(this, "maxLength", "tokens kept per text; 0 turns truncation off",
        ParamValidators.gtEq(0));
    threshold = new DoubleParam(this, "threshold",
        "multilabel heads: a class is predicted above this probability",
        ParamValidators.inRange(0, 1));
    setDefault(inputCol, "text");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "");
    setDefault(pipeline, "");
    setDefault(maxLength, LoadOptions.DEFAULT_MAX_LENGTH);
    setDefault(threshold, StaticModelPipeline.DEFAULT_THRESHOLD);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  public Param<String> pipeline() {
    return pipeline;
  }

  public IntParam maxLength() {
    return maxLength;
  }

  public DoubleParam threshold() {
    return threshold;
  }

  public Model2VecClassifier setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  public Model2VecClassifier setPredictionCol(String value) {
    set(predictionCol, value);
    return this;
  }

  public Model2VecClassifier setProbabilityCol(String value) {
    set(probabilityCol, value == null ? "" : value);
    return this;
  }

  public Model2VecClassifier setPipeline(String value) {
    set(pipeline, value == null ? "" : value);
    return this;
  }

  public Model2VecClassifier setMaxLength(int value) {
    set(maxLength, value);
    return this;
  }

  public Model2VecClassifier setThreshold(double value) {
    set(threshold, value);
    return this;
  }

  private String name() {
    return "ml_" + uid.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  private LoadOptions loadOptions() {
    int m = (Integer) $(maxLength);
    return LoadOptions.parse(java.util.Map.of(LoadOptions.MAX_LENGTH,
        m == 0 ? "none" : Integer.toString(m)));
  }

  /** Configures the session's pipeline of this stage (as classify(text, name) reads it). */
  private String configure(SparkSession spark) {
    String ref = $(pipeline);
    if (ref.isEmpty()) {
      throw new IllegalArgumentException("Model2VecClassifier: set pipeline to a folder, Hadoop "
          + "path or hub id of a model2vec classifier (model files and pipeline.skops)");
    }
    String name = name();
    Model2VecSpark.registerPipeline(spark, name, ref, loadOptions());
    spark.conf().set(ClassifyFunction.NAMED + name + "." + ClassifyFunction.THRESHOLD,
        Double.toString((Double) $(threshold)));
    return name;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    String name = configure(dataset.sparkSession());
    Dataset<Row> out = dataset.withColumn($(predictionCol),
        Model2VecSpark.classify(functions.col($(inputCol)), name));
    if (!$(probabilityCol).isEmpty()) {
      out = out.withColumn($(probabilityCol),
          Model2VecSpark.classifyProba(functions.col($(inputCol)), name));
    }
    return out;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String in = $(inputCol);
    java.util.List<String> names = java.util.Arrays.asList(schema.fieldNames());
    if (!names.contains(in)) {
      throw new IllegalArgumentException("inputCol '" + in + "' is not a column of "
          + schema.simpleString());
    }
    if (!(schema.apply(in).dataType() instanceof StringType)) {
      throw new IllegalArgumentException("inputCol '" + in + "' must be a string column, is "
          + schema.apply(in).dataType().simpleString());
    }
    for (String out : new String[] {$(predictionCol), $(probabilityCol)}) {
      if (!out.isEmpty() && names.contains(out)) {
        throw new IllegalArgumentException("output column '" + out + "' already exists");
      }
    }
    SparkSession spark = SparkSession.active();
    String name = configure(spark);
    StaticModelPipeline p = ShippedModels.pipelineOnDriver(ClassifyFunction.classifier(
        org.apache.spark.sql.internal.SQLConf.get(), ClassifyFunction.CLASSIFY, name).reference());
    DataType prediction = p.isProjector() ? DataTypes.createArrayType(DataTypes.FloatType, false)
        : p.isMultilabel() ? DataTypes.createArrayType(DataTypes.StringType, false)
        : DataTypes.StringType;
    StructType out = schema.add(new StructField($(predictionCol), prediction, true,
        Metadata.empty()));
    if (!$(probabilityCol).isEmpty()) {
      out = out.add(new StructField($(probabilityCol), DataTypes.createMapType(
          DataTypes.StringType, DataTypes.FloatType, false), true, Metadata.empty()));
    }
    return out;
  }

  @Override
  public Model2VecClassifier copy(ParamMap extra) {
    return (Model2VecClassifier) defaultCopy(extra);
  }

  public static MLReader<Model2VecClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static Model2VecClassifier load(String path) {
    return read().load(path);
  }
}
