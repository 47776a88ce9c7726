package io.model2vec.cli;

import de.bwaldvogel.liblinear.Feature;
import de.bwaldvogel.liblinear.FeatureNode;
import de.bwaldvogel.liblinear.Linear;
import de.bwaldvogel.liblinear.Model;
import de.bwaldvogel.liblinear.Parameter;
import de.bwaldvogel.liblinear.Problem;
import de.bwaldvogel.liblinear.SolverType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Binary classification on embeddings: stratified k-fold cross-validation of an L2-regularised
 * logistic regression (LIBLINEAR's primal solver, the one scikit-learn's {@code liblinear} solver
 * wraps), features standardised on each training fold.
 */
final class Evaluation {
  static {
    Linear.disableDebugOutput();
  }

  private Evaluation() {}

  /** Pooled over all folds: every example is predicted once, by the model that did not see it. */
  static final class Scores {
    final long tp;
    final long fp;
    final long tn;
    final long fn;

    Scores(long tp, long fp, long tn, long fn) {
      this.tp = tp;
      this.fp = fp;
      this.tn = tn;
      this.fn = fn;
    }

    double accuracy() {
      return (double) (tp + tn) / (tp + fp + tn + fn);
    }

    /** F1 of the positive class (label 1). */
    double f1() {
      return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }
  }

  /**
   * Stratified {@code folds}-fold cross-validation of logistic regression (cost {@code c}) on
   * rows {@code x} with labels {@code y} (0/1). The fold assignment depends only on the labels and
   * {@code seed}, so every model is scored on the same splits.
   */
  static Scores crossValidate(float[][] x, int[] y, int folds, long seed, double c) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("x has " + x.length + " rows but y has " + y.length);
    }
    if (folds < 2 || folds > x.length) {
      throw new IllegalArgumentException("folds must be in [2, rows = " + x.length + "], was "
          + folds);
    }
    for (int i = 0; i < y.length; i++) {
      if (y[i] != 0 && y[i] != 1) {
        throw new IllegalArgumentException("labels must be 0 or 1, row " + i + " has " + y[i]);
      }
    }
    int[] pred = predictFolds(x, y, folds, seed, c, 1e-4);
    long tp = 0;
    long fp = 0;
    long tn = 0;
    long fn = 0;
    for (int i = 0; i < x.length; i++) {
      if (pred[i] == 1) {
        if (y[i] == 1) {
          tp++;
        } else {
          fp++;
        }
      } else if (y[i] == 1) {
        fn++;
      } else {
        tn++;
      }
    }
    return new Scores(tp, fp, tn, fn);
  }

  /**
   * Stratified {@code folds}-fold cross-validation of logistic regression (cost {@code c}; one
   * against the rest when there are more than two labels) on rows {@code x} with labels {@code y}
   * (any ints): the label predicted for each row by the model of the folds without it.
   * {@code eps}: LIBLINEAR's stopping tolerance.
   */
  static int[] predictFolds(float[][] x, int[] y, int folds, long seed, double c, double eps) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("x has " + x.length + " rows but y has " + y.length);
    }
    if (folds < 2 || folds > x.length) {
      throw new IllegalArgumentException("folds must be in [2, rows = " + x.length + "], was "
          + folds);
    }
    int[] fold = assignFolds(y, folds, seed);
    int[] pred = new int[x.length];
    int d = x[0].length;
    for (int f = 0; f < folds; f++) {
      // Standardise on the training part only.
      double[] mean = new double[d];
      double[] sd = new double[d];
      int nTrain = 0;
      for (int i = 0; i < x.length; i++) {
        if (fold[i] != f) {
          nTrain++;
          for (int j = 0; j < d; j++) {
            mean[j] += x[i][j];
          }
        }
      }
      for (int j = 0; j < d; j++) {
        mean[j] /= nTrain;
      }
      for (int i = 0; i < x.length; i++) {
        if (fold[i] != f) {
          for (int j = 0; j < d; j++) {
            double z = x[i][j] - mean[j];
            sd[j] += z * z;
          }
        }
      }
      for (int j = 0; j < d; j++) {
        sd[j] = Math.sqrt(sd[j] / nTrain);
        if (sd[j] < 1e-12) {
          sd[j] = 1;
        }
      }
      Problem p = new Problem();
      p.l = nTrain;
      p.n = d + 1;
      p.bias = 1;
      p.x = new Feature[nTrain][];
      p.y = new double[nTrain];
      int k = 0;
      for (int i = 0; i < x.length; i++) {
        if (fold[i] != f) {
          p.x[k] = features(x[i], mean, sd);
          p.y[k] = y[i];
          k++;
        }
      }
      Model m = Linear.train(p, new Parameter(SolverType.L2R_LR, c, eps));
      for (int i = 0; i < x.length; i++) {
        if (fold[i] == f) {
          pred[i] = (int) Linear.predict(m, features(x[i], mean, sd));
        }
      }
    }
    return pred;
  }

  /** Stratified: each label's rows, shuffled, dealt round the folds (labels in ascending order). */
  static int[] assignFolds(int[] y, int folds, long seed) {
    int[] fold = new int[y.length];
    Random rnd = new Random(seed);
    java.util.TreeMap<Integer, List<Integer>> byLabel = new java.util.TreeMap<>();
    for (int i = 0; i < y.length; i++) {
      byLabel.computeIfAbsent(y[i], k -> new ArrayList<>()).add(i);
    }
    for (List<Integer> idx : byLabel.values()) {
      Collections.shuffle(idx, rnd);
      for (int r = 0; r < idx.size(); r++) {
        fold[idx.get(r)] = r % folds;
      }
    }
    return fold;
  }

  /** Standardized features and a constant bias feature last. */
  private static Feature[] features(float[] row, double[] mean, double[] sd) {
    Feature[] f = new Feature[row.length + 1];
    for (int j = 0; j < row.length; j++) {
      f[j] = new FeatureNode(j + 1, (row[j] - mean[j]) / sd[j]);
    }
    f[row.length] = new FeatureNode(row.length + 1, 1.0);
    return f;
  }

  /** Mean reciprocal rank and recall@10 of a retrieval run. */
  static final class Retrieval {
    final double mrr;
    final double recallAt10;
    final int queries;

    Retrieval(double mrr, double recallAt10, int queries) {
      this.mrr = mrr;
      this.recallAt10 = recallAt10;
      this.queries = queries;
    }
  }

  /**
   * Query {@code i} must find document {@code i} among all documents, ranked by cosine
   * similarity; ties are ranked against the query (a document scoring the same as the match
   * counts as above it), so a model that gives every text the same vector scores at the bottom.
   */
  static Retrieval retrieval(float[][] queries, float[][] docs) {
    if (queries.length != docs.length || queries.length == 0) {
      throw new IllegalArgumentException("retrieval needs as many queries as documents (> 0), "
          + "got " + queries.length + " and " + docs.length);
    }
    int n = queries.length;
    double[][] q = unit(queries);
    double[][] d = unit(docs);
    double rr = 0;
    int hits = 0;
    for (int i = 0; i < n; i++) {
      double match = dot(q[i], d[i]);
      int above = 0;
      for (int j = 0; j < n; j++) {
        if (j != i && dot(q[i], d[j]) >= match) {
          above++;
        }
      }
      rr += 1.0 / (above + 1);
      if (above < 10) {
        hits++;
      }
    }
    return new Retrieval(rr / n, (double) hits / n, n);
  }

  private static double[][] unit(float[][] x) {
    double[][] u = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      double[] v = new double[x[i].length];
      double sq = 0;
      for (int j = 0; j < v.length; j++) {
        v[j] = x[i][j];
        sq += v[j] * v[j];
      }
      double norm = Math.sqrt(sq);
      if (norm > 0) {
        for (int j = 0; j < v.length; j++) {
          v[j] /= norm;
        }
      }
      u[i] = v;
    }
    return u;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      s += a[j] * b[j];
    }
    return s;
  }
}
