package io.model2vec.spark;

import io.model2vec.LoadOptions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Model2Vec for Spark: registers {@code embed(text)} on a session and builds {@code embed}
 * columns.
 *
 * <pre>{@code
 * Model2VecSpark.register(spark, "minishlab/potion-base-8M");
 * spark.sql("SELECT id, embed(text) AS embedding FROM docs");
 * df.withColumn("embedding", Model2VecSpark.embed(col("text")));
 * }</pre>
 *
 * The driver resolves the model once (hub downloads go to its cache) and executors load it
 * lazily, once per JVM, however many tasks and cores they run.
 */
public final class Model2VecSpark {
  private Model2VecSpark() {}

  /** Registers {@code embed} with {@code model} (folder, Hadoop path, hub id) and default options. */
  public static void register(SparkSession spark, String model) {
    register(spark, model, LoadOptions.defaults());
  }

  /** Registers {@code embed} with {@code model} and {@code options} as the session's default model. */
  public static void register(SparkSession spark, String model, LoadOptions options) {
    configure(spark, EmbedFunction.PREFIX, EmbedFunction.MODEL, model, options);
    EmbedFunction.register(spark);
  }

  /** Adds a named model, used as {@code embed(text, 'name')}; registers {@code embed} too. */
  public static void registerModel(SparkSession spark, String name, String model, LoadOptions options) {
    if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("model name must match [A-Za-z0-9_-]+, was '" + name + "'");
    }
    configure(spark, EmbedFunction.NAMED + name + ".", EmbedFunction.NAMED + name, model, options);
    EmbedFunction.register(spark);
  }

  /**
   * Registers {@code classify} and {@code classify_proba} with {@code pipeline} (a folder, Hadoop
   * path or hub id of a model2vec classifier: the model and its pipeline.skops) as the session's
   * default pipeline.
   */
  public static void registerPipeline(SparkSession spark, String pipeline, LoadOptions options) {
    if (pipeline == null || pipeline.isBlank()) {
      throw new IllegalArgumentException("pipeline must be a folder, Hadoop path or hub id, was "
          + (pipeline == null ? "null" : "'" + pipeline + "'"));
    }
    configure(spark, ClassifyFunction.PIPELINE + ".", ClassifyFunction.PIPELINE, pipeline,
        options);
    ClassifyFunction.register(spark);
  }

  /** Adds a named pipeline, used as {@code classify(text, 'name')}; registers both functions. */
  public static void registerPipeline(SparkSession spark, String name, String pipeline,
      LoadOptions options) {
    if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
      throw new IllegalArgumentException("pipeline name must match [A-Za-z0-9_-]+, was '" + name
          + "'");
    }
    if (pipeline == null || pipeline.isBlank()) {
      throw new IllegalArgumentException("pipeline must be a folder, Hadoop path or hub id, was "
          + (pipeline == null ? "null" : "'" + pipeline + "'"));
    }
    configure(spark, ClassifyFunction.NAMED + name + ".", ClassifyFunction.NAMED + name,
        pipeline, options);
    ClassifyFunction.register(spark);
  }

  /** {@code classify(text)} as a column (registered, or the extension on). */
  public static Column classify(Column text) {
    return functions.call_function(ClassifyFunction.CLASSIFY, text);
  }

  /** {@code classify(text, 'pipeline')} as a column. */
  public static Column classify(Column text, String pipelineName) {
    return functions.call_function(ClassifyFunction.CLASSIFY, text, functions.lit(pipelineName));
  }

  /** {@code classify_proba(text)} as a column: map<string, float>. */
  public static Column classifyProba(Column text) {
    return functions.call_function(ClassifyFunction.PROBA, text);
  }

  /** {@code classify_proba(text, 'pipeline')} as a column. */
  public static Column classifyProba(Column text, String pipelineName) {
    return functions.call_function(ClassifyFunction.PROBA, text, functions.lit(pipelineName));
  }

  /** {@code embed(text)} as a column (the function must be registered, or the extension on). */
  public static Column embed(Column text) {
    return functions.call_function(EmbedFunction.NAME, text);
  }

  /** {@code embed(text, 'model')} as a column. */
  public static Column embed(Column text, String modelName) {
    return functions.call_function(EmbedFunction.NAME, text, functions.lit(modelName));
  }

  /**
   * Token counts of everything {@code embed} (default model, or {@code embed(text, 'name')})
   * has encoded in this application so far: {texts, tokens, unknown tokens}. The share of
   * unknown tokens is how much of a corpus the model's vocabulary does not cover. Accumulators:
   * tasks that are retried may count twice.
   */
  public static long[] tokenCounts(SparkSession spark, String modelName) {
    EmbedFunction.Coverage c = EmbedFunction.existingCoverage(spark.sparkContext(),
        modelName == null ? "default" : modelName);
    return c == null ? new long[3] : new long[] {c.texts.value(), c.tokens.value(), c.unknown.value()};
  }

  private static void configure(SparkSession spark, String prefix, String modelKey, String model,
      LoadOptions options) {
    var conf = spark.conf();
    if (model != null) {
      conf.set(modelKey, model);
    } else if (modelKey.equals(EmbedFunction.MODEL)) {
      conf.unset(modelKey); // unset: the built-in model
    } else {
      conf.set(modelKey, io.model2vec.StaticModel.DEFAULT_MODEL); // a name must name something
    }
    java.util.Map<String, String> values = options.toMap();
    for (String key : LoadOptions.KEYS) {
      String value = values.get(key);
      if (value == null) {
        conf.unset(prefix + key);
      } else {
        conf.set(prefix + key, value);
      }
    }
    conf.unset(prefix + "maxLength"); // the deprecated spelling would be read otherwise
  }
}
