package io.model2vec.spark.train;

import io.model2vec.pipeline.LogisticRegressionFit;
import io.model2vec.pipeline.MlpClassifierFit;
import io.model2vec.pipeline.PipelineSaver;
import io.model2vec.pipeline.SkopsWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;

/**
 * Turns a Spark ML classifier fitted on a static model's embeddings into a model2vec pipeline
 * folder (the model's files and {@code pipeline.skops}) that Python's
 * {@code StaticModelPipeline.from_pretrained} and the JVM's pipeline reader load:
 * <ul>
 *   <li>{@code LogisticRegressionModel} (binomial or multinomial, no elastic net) as sklearn's
 *       {@code LogisticRegression};</li>
 *   <li>{@code MultilayerPerceptronClassificationModel} as sklearn's {@code MLPClassifier}
 *       with {@code activation="logistic"} (Spark's hidden layers are sigmoids) and softmax
 *       outputs, fitted with {@code solver="lbfgs"} (the attributes sklearn's L-BFGS fit sets).</li>
 * </ul>
 * Spark predicts a label index; {@code labels} names index i (a {@code StringIndexerModel}'s
 * {@code labelsArray()[0]}). sklearn sorts its classes, so the outputs are reordered to the
 * sorted labels (and a binomial model's sign flipped if the order changes).
 */
public final class PipelineExport {
  private PipelineExport() {}

  /** The sklearn MLPClassifier of a Spark MLP model. */
  public static MlpClassifierFit toFit(MultilayerPerceptronClassificationModel model,
      List<String> labels) {
    Objects.requireNonNull(model, "model must not be null");
    int[] layers = model.getLayers();
    int k = layers[layers.length - 1];
    int[] perm = sortedOrder(labels, k);
    double[] w = model.weights().toArray();
    int layerCount = layers.length - 1;
    float[][][] coefs = new float[layerCount][][];
    float[][] intercepts = new float[layerCount][];
    int offset = 0;
    for (int l = 0; l < layerCount; l++) {
      int in = layers[l];
      int out = layers[l + 1];
      boolean last = l == layerCount - 1;
      coefs[l] = new float[in][out];
      intercepts[l] = new float[out];
      // Spark's AffineLayerModel: a column-major numOut x numIn matrix, then numOut biases
      for (int j = 0; j < out; j++) {
        int o = last ? perm[j] : j;
        for (int i = 0; i < in; i++) {
          coefs[l][i][j] = (float) w[offset + i * out + o];
        }
        intercepts[l][j] = (float) w[offset + in * out + o];
      }
      offset += in * out + out;
    }
    if (offset != w.length) {
      throw new IllegalArgumentException("the model has " + w.length + " weights, its layers "
          + java.util.Arrays.toString(layers) + " need " + offset);
    }
    int iterations = model.getMaxIter();
    double loss = Double.NaN;
    if (model.hasSummary()) {
      double[] history = model.summary().objectiveHistory();
      iterations = model.summary().totalIterations();
      loss = history.length == 0 ? Double.NaN : history[history.length - 1];
    }
    long seed = model.getSeed();
    return new MlpClassifierFit(sorted(labels), coefs, intercepts, "logistic", false)
        .hyperparameters("lbfgs", 0.0, 0, model.getStepSize(), model.getMaxIter(),
            seed >= 0 && seed <= 0xffffffffL ? Long.valueOf(seed) : null, 10)
        .tol(model.getTol())
        .record(iterations, 0, new double[0], 0)
        .loss(loss);
  }

  /** The sklearn LogisticRegression of a Spark logistic regression model. */
  public static LogisticRegressionFit toFit(LogisticRegressionModel model, List<String> labels) {
    Objects.requireNonNull(model, "model must not be null");
    if (model.getElasticNetParam() != 0 && model.getRegParam() != 0) {
      throw new IllegalArgumentException("elasticNetParam must be 0 (an L2 penalty, as "
          + "sklearn's lbfgs LogisticRegression), was " + model.getElasticNetParam());
    }
    int k = model.numClasses();
    int[] perm = sortedOrder(labels, k);
    Matrix m = model.coefficientMatrix();
    Vector b = model.interceptVector();
    int d = m.numCols();
    double[][] coef;
    double[] intercept;
    if (k == 2) {
      coef = new double[1][d];
      intercept = new double[1];
      // P(sorted class 1) = sigmoid(coef . x + b)
      for (int i = 0; i < d; i++) {
        coef[0][i] = m.numRows() == 1
            ? (perm[1] == 1 ? 1 : -1) * m.apply(0, i)
            : m.apply(perm[1], i) - m.apply(perm[0], i);
      }
      intercept[0] = m.numRows() == 1
          ? (perm[1] == 1 ? 1 : -1) * b.apply(0)
          : b.apply(perm[1]) - b.apply(perm[0]);
    } else {
      coef = new double[k][d];
      intercept = new double[k];
      for (int j = 0; j < k; j++) {
        for (int i = 0; i < d; i++) {
          coef[j][i] = m.apply(perm[j], i);
        }
        intercept[j] = b.apply(perm[j]);
      }
    }
    int iterations = model.hasSummary() ? model.summary().totalIterations() : 0;
    double c = 1.0;
    if (model.getRegParam() == 0) {
      c = Double.POSITIVE_INFINITY;
    } else if (model.hasSummary()) {
      // Spark minimizes mean loss + regParam / 2 ||w||^2, sklearn C * summed loss + 1/2 ||w||^2
      c = 1 / (model.getRegParam() * model.summary().predictions().count());
    }
    return new LogisticRegressionFit(sorted(labels), coef, intercept)
        .record(c, model.getMaxIter(), iterations);
  }

  /** Writes {@code model}'s files (a reference as StaticModel.load takes it) and the head. */
  public static void save(MultilayerPerceptronClassificationModel head, List<String> labels,
      String model, Path dir) {
    PipelineSaver.save(model, SkopsWriter.write(toFit(head, labels)), dir);
  }

  /** Writes {@code model}'s files (a reference as StaticModel.load takes it) and the head. */
  public static void save(LogisticRegressionModel head, List<String> labels, String model,
      Path dir) {
    PipelineSaver.save(model, SkopsWriter.write(toFit(head, labels)), dir);
  }

  private static List<Object> sorted(List<String> labels) {
    List<Object> s = new ArrayList<>(labels);
    s.sort(MlpClassifierFit::compare);
    return s;
  }

  /** perm[j] = the Spark index of the j-th label in sklearn's (sorted) order. */
  static int[] sortedOrder(List<String> labels, int k) {
    Objects.requireNonNull(labels, "labels must not be null");
    if (labels.size() != k) {
      throw new IllegalArgumentException("the model has " + k + " classes but " + labels.size()
          + " labels were given");
    }
    if (new HashSet<>(labels).size() != k || labels.stream().anyMatch(Objects::isNull)) {
      throw new IllegalArgumentException("labels must be distinct and not null, were " + labels);
    }
    Integer[] idx = new Integer[k];
    for (int i = 0; i < k; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, (a, b) -> MlpClassifierFit.compare(labels.get(a), labels.get(b)));
    int[] perm = new int[k];
    for (int j = 0; j < k; j++) {
      perm[j] = idx[j];
    }
    return perm;
  }
}
