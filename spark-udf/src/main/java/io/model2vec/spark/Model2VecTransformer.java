package io.model2vec.spark;

import io.model2vec.LoadOptions;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An ML pipeline stage that adds the Model2Vec embedding of {@code inputCol} as
 * {@code outputCol}: {@code array<float>} (default) or an ML {@code Vector}
 * ({@code outputType = "vector"}). Saved and loaded with the pipeline; the model itself is not
 * copied, only its reference and options.
 */
public final class Model2VecTransformer extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> model;
  private final Param<String> outputType;
  private final Param<String> normalize;
  private final IntParam maxLength;
  private final IntParam dimensions;

  public Model2VecTransformer() {
    this(Identifiable.randomUID("model2vec"));
  }

  public Model2VecTransformer(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "input column of texts (string)");
    outputCol = new Param<>(this, "outputCol", "output column of embeddings");
    model = new Param<>(this, "model", "model folder, Hadoop path or hub id (empty: the built-in default)");
    outputType = new Param<>(this, "outputType", "array (array<float>) or vector (ML Vector)",
        ParamValidators.inArray(new String[] {"array", "vector"}));
    normalize = new Param<>(this, "normalize", "config, true or false",
        ParamValidators.inArray(new String[] {"config", "true", "false"}));
    maxLength = new IntParam(this, "maxLength", "tokens kept per text; 0 turns truncation off",
        ParamValidators.gtEq(0));
    dimensions = new IntParam(this, "dimensions", "leading dimensions kept; 0 keeps all",
        ParamValidators.gtEq(0));
    setDefault(inputCol, "text");
    setDefault(outputCol, "embedding");
    setDefault(model, "");
    setDefault(outputType, "array");
    setDefault(normalize, "config");
    setDefault(maxLength, LoadOptions.DEFAULT_MAX_LENGTH);
    setDefault(dimensions, 0);
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public Param<String> model() {
    return model;
  }

  public Param<String> outputType() {
    return outputType;
  }

  public Param<String> normalize() {
    return normalize;
  }

  public IntParam maxLength() {
    return maxLength;
  }

  public IntParam dimensions() {
    return dimensions;
  }

  public Model2VecTransformer setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  public Model2VecTransformer setOutputCol(String value) {
    set(outputCol, value);
    return this;
  }

  public Model2VecTransformer setModel(String value) {
    set(model, value == null ? "" : value);
    return this;
  }

  public Model2VecTransformer setOutputType(String value) {
    set(outputType, value);
    return this;
  }

  public Model2VecTransformer setNormalize(String value) {
    set(normalize, value);
    return this;
  }

  public Model2VecTransformer setMaxLength(int value) {
    set(maxLength, value);
    return this;
  }

  public Model2VecTransformer setDimensions(int value) {
    set(dimensions, value);
    return this;
  }

  /** The params as load options, through the one options parser (maxLength 0 means none). */
  LoadOptions loadOptions() {
    String n = $(normalize);
    int m = (Integer) $(maxLength);
    return LoadOptions.parse(java.util.Map.of(
        LoadOptions.DIMENSIONS, Integer.toString((Integer) $(dimensions)),
        LoadOptions.NORMALIZE, n.equals("config") ? "" : n,
        LoadOptions.MAX_LENGTH, m == 0 ? "none" : Integer.toString(m)));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    String name = "ml_" + uid.replaceAll("[^A-Za-z0-9_-]", "_");
    String ref = $(model);
    Model2VecSpark.registerModel(dataset.sparkSession(), name, ref.isEmpty() ? null : ref,
        loadOptions());
    Column vector = Model2VecSpark.embed(functions.col($(inputCol)), name);
    if ($(outputType).equals("vector")) {
      vector = org.apache.spark.ml.functions.array_to_vector(
          vector.cast(DataTypes.createArrayType(DataTypes.DoubleType, false)));
    }
    return dataset.withColumn($(outputCol), vector);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String in = $(inputCol);
    String out = $(outputCol);
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(in)) {
      throw new IllegalArgumentException("inputCol '" + in + "' is not a column of " + schema.simpleString());
    }
    if (!(schema.apply(in).dataType() instanceof StringType)) {
      throw new IllegalArgumentException("inputCol '" + in + "' must be a string column, is "
          + schema.apply(in).dataType().simpleString());
    }
    if (java.util.Arrays.asList(schema.fieldNames()).contains(out)) {
      throw new IllegalArgumentException("outputCol '" + out + "' already exists");
    }
    return schema.add(new StructField(out, $(outputType).equals("vector")
        ? SQLDataTypes.VectorType()
        : DataTypes.createArrayType(DataTypes.FloatType, false), true,
        org.apache.spark.sql.types.Metadata.empty()));
  }

  @Override
  public Model2VecTransformer copy(ParamMap extra) {
    return (Model2VecTransformer) defaultCopy(extra);
  }

  public static MLReader<Model2VecTransformer> read() {
    return new DefaultParamsReader<>();
  }

  public static Model2VecTransformer load(String path) {
    return read().load(path);
  }
}
