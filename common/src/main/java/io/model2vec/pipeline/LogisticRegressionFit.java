package io.model2vec.pipeline;

import java.util.List;
import java.util.Objects;

/**
 * A fitted scikit-learn {@code LogisticRegression} (lbfgs, L2) as {@link SkopsWriter} writes it:
 * binary (one row of coefficients, the probability of the second class is the sigmoid) or
 * multinomial (one row per class, softmax).
 */
public final class LogisticRegressionFit {
  final List<Object> classes;
  final double[][] coef;
  final double[] intercept;
  double c = 1.0;
  double tol = 1e-4;
  int maxIter = 100;
  int nIter;

  /**
   * @param classes sorted class labels (all String or all Long)
   * @param coef {@code [1][features]} for two classes, else {@code [classes][features]}
   * @param intercept one per row of {@code coef}
   */
  public LogisticRegressionFit(List<?> classes, double[][] coef, double[] intercept) {
    this.classes = java.util.Collections.unmodifiableList(
        new java.util.ArrayList<Object>(Objects.requireNonNull(classes, "classes must not be null")));
    this.coef = Objects.requireNonNull(coef, "coef must not be null");
    this.intercept = Objects.requireNonNull(intercept, "intercept must not be null");
    MlpClassifierFit.checkClasses(this.classes);
    int rows = this.classes.size() == 2 ? 1 : this.classes.size();
    if (coef.length != rows || intercept.length != rows) {
      throw new IllegalArgumentException("coef and intercept must have " + rows + " rows for "
          + this.classes.size() + " classes, had " + coef.length + " and " + intercept.length);
    }
    for (double[] r : coef) {
      if (r.length != coef[0].length || r.length == 0) {
        throw new IllegalArgumentException("coef must be a non-empty rectangle");
      }
    }
  }

  /** C (the inverse of the L2 strength), the iteration limit and the iterations run. */
  public LogisticRegressionFit record(double c, int maxIter, int nIter) {
    this.c = c;
    this.maxIter = maxIter;
    this.nIter = nIter;
    return this;
  }

  /** The class probabilities of one input, as sklearn computes them. */
  public double[] predictProba(float[] x) {
    double[] z = new double[coef.length];
    for (int r = 0; r < coef.length; r++) {
      double s = intercept[r];
      for (int i = 0; i < x.length; i++) {
        s += coef[r][i] * x[i];
      }
      z[r] = s;
    }
    if (coef.length == 1) {
      double p = 1 / (1 + Math.exp(-z[0]));
      return new double[] {1 - p, p};
    }
    MlpClassifierFit.softmax(z);
    return z;
  }

  public List<Object> classes() {
    return classes;
  }
}
