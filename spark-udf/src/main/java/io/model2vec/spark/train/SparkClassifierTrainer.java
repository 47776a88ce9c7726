package io.model2vec.spark.train;

import io.model2vec.pipeline.train.Report;
import io.model2vec.spark.Model2VecTransformer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Trains a classifier head at Spark scale and saves it as a model2vec pipeline folder: the texts
 * are embedded on the executors with the static model ({@link Model2VecTransformer}), the labels
 * indexed, and Spark ML fits a {@code LogisticRegression} (no hidden layer, the default) or a
 * {@code MultilayerPerceptronClassifier} (sigmoid hidden layers, softmax outputs) on the
 * embeddings, distributed; {@link PipelineExport} writes the fitted model as sklearn's. A share
 * of the rows ({@code validation}) is held out and scored (per label precision, recall, F1),
 * counted by a distributed job.
 *
 * <pre>{@code
 * SparkClassifierTrainer.Result r = SparkClassifierTrainer.builder()
 *     .textCol("text").labelCol("lang").hidden(128).build().fit(df);
 * r.save(Path.of("/models/lang-pipeline"));
 * }</pre>
 */
public final class SparkClassifierTrainer {
  private final String model;
  private final String textCol;
  private final String labelCol;
  private final int[] hidden;
  private final int maxIter;
  private final double regParam;
  private final double validation;
  private final long seed;

  private SparkClassifierTrainer(Builder b) {
    this.model = b.model;
    this.textCol = b.textCol;
    this.labelCol = b.labelCol;
    this.hidden = b.hidden;
    this.maxIter = b.maxIter;
    this.regParam = b.regParam;
    this.validation = b.validation;
    this.seed = b.seed;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options; every one has a default. */
  public static final class Builder {
    private String model;
    private String textCol = "text";
    private String labelCol = "label";
    private int[] hidden = {};
    private int maxIter = 100;
    private double regParam = 1e-4;
    private double validation = 0.1;
    private long seed = 42;

    private Builder() {}

    /** The static model (folder, classpath: folder, hub id); default the built-in model. */
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    public Builder textCol(String col) {
      this.textCol = Objects.requireNonNull(col, "textCol must not be null");
      return this;
    }

    /** The label column: strings, or any type cast to string. */
    public Builder labelCol(String col) {
      this.labelCol = Objects.requireNonNull(col, "labelCol must not be null");
      return this;
    }

    /** Hidden layer sizes of an MLP; none (the default) for a logistic regression. */
    public Builder hidden(int... sizes) {
      for (int s : sizes) {
        if (s < 1) {
          throw new IllegalArgumentException("hidden layer sizes must be >= 1, was " + s);
        }
      }
      this.hidden = sizes.clone();
      return this;
    }

    public Builder maxIter(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxIter must be >= 1, was " + n);
      }
      this.maxIter = n;
      return this;
    }

    /** L2 strength of the logistic regression (Spark's regParam; default 1e-4). */
    public Builder regParam(double r) {
      if (!(r >= 0)) {
        throw new IllegalArgumentException("regParam must be >= 0, was " + r);
      }
      this.regParam = r;
      return this;
    }

    /** Share of rows held out and scored (default 0.1); 0 for none. */
    public Builder validation(double share) {
      if (!(share >= 0 && share < 1)) {
        throw new IllegalArgumentException("validation share must be in [0, 1), was " + share);
      }
      this.validation = share;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public SparkClassifierTrainer build() {
      return new SparkClassifierTrainer(this);
    }
  }

  /** The fitted Spark model, its labels by index, the held-out report; saves the folder. */
  public static final class Result {
    private final ProbabilisticClassificationModel<Vector, ?> head;
    private final List<String> labels;
    private final String model;
    private final Report report;

    Result(ProbabilisticClassificationModel<Vector, ?> head, List<String> labels, String model,
        Report report) {
      this.head = head;
      this.labels = labels;
      this.model = model;
      this.report = report;
    }

    /** A {@code LogisticRegressionModel} or {@code MultilayerPerceptronClassificationModel}. */
    public ProbabilisticClassificationModel<Vector, ?> sparkModel() {
      return head;
    }

    /** Label of each index the Spark model predicts. */
    public List<String> labels() {
      return labels;
    }

    /** Scores on the held-out rows (none when validation is 0). */
    public Report report() {
      return report;
    }

    /** Writes the pipeline folder (on the driver's file system). */
    public void save(Path dir) {
      if (head instanceof LogisticRegressionModel) {
        PipelineExport.save((LogisticRegressionModel) head, labels, model, dir);
      } else {
        PipelineExport.save((MultilayerPerceptronClassificationModel) head, labels, model, dir);
      }
    }
  }

  /** Embeds, indexes, fits and scores; the data is read twice (cached once embedded). */
  public Result fit(Dataset<Row> data) {
    Objects.requireNonNull(data, "data must not be null");
    Dataset<Row> rows = data.select(functions.col(textCol).as("__text"),
            functions.col(labelCol).cast("string").as("__label"))
        .where(functions.col("__text").isNotNull().and(functions.col("__label").isNotNull()));
    Model2VecTransformer embed = new Model2VecTransformer().setInputCol("__text")
        .setOutputCol("__features").setOutputType("vector");
    if (model != null) {
      embed.setModel(model);
    }
    // alphabetical indices: Spark's order is then sklearn's sorted order for most labels
    StringIndexerModel indexer = new StringIndexer().setInputCol("__label")
        .setOutputCol("__index").setStringOrderType("alphabetAsc").fit(rows);
    List<String> labels = Arrays.asList(indexer.labelsArray()[0]);
    if (labels.size() < 2) {
      throw new IllegalArgumentException("training needs at least 2 labels in column '"
          + labelCol + "', had " + labels);
    }
    Dataset<Row> prepared = indexer.transform(embed.transform(rows))
        .select("__features", "__index").persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> train = prepared;
      Dataset<Row> held = null;
      if (validation > 0) {
        Dataset<Row>[] split = prepared.randomSplit(new double[] {1 - validation, validation},
            seed);
        train = split[0];
        held = split[1];
      }
      ProbabilisticClassificationModel<Vector, ?> head;
      if (hidden.length == 0) {
        head = new LogisticRegression().setFeaturesCol("__features").setLabelCol("__index")
            .setMaxIter(maxIter).setRegParam(regParam).setElasticNetParam(0)
            .setFamily(labels.size() == 2 ? "binomial" : "multinomial").fit(train);
      } else {
        int dims = ((Vector) prepared.first().get(0)).size();
        int[] layers = new int[hidden.length + 2];
        layers[0] = dims;
        System.arraycopy(hidden, 0, layers, 1, hidden.length);
        layers[layers.length - 1] = labels.size();
        head = new MultilayerPerceptronClassifier().setFeaturesCol("__features")
            .setLabelCol("__index").setLayers(layers).setMaxIter(maxIter).setSeed(seed)
            .fit(train);
      }
      Report report = held == null ? Report.fromConfusion(new long[labels.size()][labels.size()],
          labels) : score(head, held, labels);
      return new Result(head, labels, model, report);
    } finally {
      prepared.unpersist();
    }
  }

  /** The held-out confusion matrix, counted on the executors. */
  private static Report score(ProbabilisticClassificationModel<Vector, ?> head,
      Dataset<Row> held, List<String> labels) {
    int k = labels.size();
    long[][] counts = new long[k][k];
    List<Row> cells = head.transform(held).groupBy("__index", head.getPredictionCol()).count()
        .collectAsList();
    for (Row r : cells) {
      counts[(int) r.getDouble(0)][(int) r.getDouble(1)] = r.getLong(2);
    }
    // sklearn's order: sorted labels
    int[] perm = PipelineExport.sortedOrder(labels, k);
    long[][] sorted = new long[k][k];
    List<String> names = new java.util.ArrayList<>();
    for (int a = 0; a < k; a++) {
      names.add(labels.get(perm[a]));
      for (int b = 0; b < k; b++) {
        sorted[a][b] = counts[perm[a]][perm[b]];
      }
    }
    return Report.fromConfusion(sorted, names);
  }
}
