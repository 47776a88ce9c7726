package io.model2vec.pipeline;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A fitted scikit-learn {@code MLPClassifier} as {@link SkopsWriter} writes it: the weights
 * (what a reader runs), the hyperparameters and the record of the fit (loss curve, Adam's state,
 * iterations: what sklearn sets and a Python user may inspect). A multilabel head has logistic
 * outputs, one per class, as model2vec's trainer saves it; otherwise the outputs are a softmax
 * over the classes (also for two classes, as model2vec saves a binary head).
 *
 * <p>Mutable while being filled in by a trainer; not thread-safe.
 */
public final class MlpClassifierFit {
  private static final Set<String> ACTIVATIONS = Set.of("relu", "logistic", "tanh", "identity");

  final List<Object> classes;
  /** Per layer, {@code [in][out]} as sklearn's {@code coefs_}. */
  final float[][][] coefs;
  final float[][] intercepts;
  final String activation;
  final boolean multilabel;

  String solver = "adam";
  double alpha = 1e-4;
  /** 0 for sklearn's "auto". */
  int batchSize;
  double learningRateInit = 1e-3;
  int maxIter = 200;
  Long randomState;
  double tol = 1e-4;
  int nIterNoChange = 10;

  int nIter;
  long t;
  double[] lossCurve = new double[0];
  double bestLoss = Double.POSITIVE_INFINITY;
  double loss = Double.NaN;
  int noImprovementCount;
  long adamSteps;
  float[][][] adamCoefM;
  float[][] adamInterceptM;
  float[][][] adamCoefV;
  float[][] adamInterceptV;

  /**
   * @param classes the class labels, sorted as sklearn sorts them (all {@code String} or all
   *     {@code Long}), one per output
   * @param coefs per layer {@code [in][out]}; the last layer has one output per class
   * @param intercepts per layer {@code [out]}
   * @param activation of the hidden layers: relu, logistic, tanh or identity
   * @param multilabel logistic outputs (every class above a threshold) instead of a softmax
   */
  public MlpClassifierFit(List<?> classes, float[][][] coefs, float[][] intercepts,
      String activation, boolean multilabel) {
    this.classes = java.util.Collections.unmodifiableList(
        new java.util.ArrayList<Object>(Objects.requireNonNull(classes, "classes must not be null")));
    this.coefs = Objects.requireNonNull(coefs, "coefs must not be null");
    this.intercepts = Objects.requireNonNull(intercepts, "intercepts must not be null");
    this.activation = Objects.requireNonNull(activation, "activation must not be null");
    this.multilabel = multilabel;
    if (!ACTIVATIONS.contains(activation)) {
      throw new IllegalArgumentException("activation must be one of " + ACTIVATIONS + ", was '"
          + activation + "'");
    }
    checkClasses(this.classes);
    if (coefs.length == 0 || coefs.length != intercepts.length) {
      throw new IllegalArgumentException("coefs and intercepts must have one entry per layer "
          + "(at least one), were " + coefs.length + " and " + intercepts.length);
    }
    int in = coefs[0].length;
    for (int l = 0; l < coefs.length; l++) {
      if (coefs[l].length != in || coefs[l].length == 0) {
        throw new IllegalArgumentException("layer " + l + " must have " + in + " inputs, had "
            + coefs[l].length);
      }
      int out = coefs[l][0].length;
      for (float[] row : coefs[l]) {
        if (row.length != out) {
          throw new IllegalArgumentException("layer " + l + " is not rectangular");
        }
      }
      if (intercepts[l].length != out) {
        throw new IllegalArgumentException("layer " + l + " has " + out + " outputs but "
            + intercepts[l].length + " intercepts");
      }
      in = out;
    }
    if (in != this.classes.size()) {
      throw new IllegalArgumentException("the last layer must have one output per class ("
          + this.classes.size() + "), had " + in);
    }
  }

  static void checkClasses(List<?> classes) {
    if (classes.size() < 2) {
      throw new IllegalArgumentException("a classifier needs at least 2 classes, had "
          + classes.size());
    }
    Class<?> type = classes.get(0).getClass();
    if (type != String.class && type != Long.class) {
      throw new IllegalArgumentException("classes must be String or Long, were " + type);
    }
    for (int i = 1; i < classes.size(); i++) {
      Object a = classes.get(i - 1);
      Object b = classes.get(i);
      if (b.getClass() != type) {
        throw new IllegalArgumentException("classes must all be of one type, had " + type
            + " and " + b.getClass());
      }
      if (compare(a, b) >= 0) {
        throw new IllegalArgumentException("classes must be sorted and distinct (as sklearn's "
            + "classes_), had '" + a + "' before '" + b + "'");
      }
    }
  }

  /** numpy's order: integers by value, strings by code point. */
  public static int compare(Object a, Object b) {
    if (a instanceof Long) {
      return Long.compare((Long) a, (Long) b);
    }
    return codePointCompare((String) a, (String) b);
  }

  private static int codePointCompare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }

  /** The hyperparameters the head was trained with (written as the estimator's parameters). */
  public MlpClassifierFit hyperparameters(String solver, double alpha, int batchSize,
      double learningRateInit, int maxIter, Long randomState, int nIterNoChange) {
    if (!solver.equals("adam") && !solver.equals("lbfgs")) {
      throw new IllegalArgumentException("solver must be adam or lbfgs, was '" + solver + "'");
    }
    this.solver = solver;
    this.alpha = alpha;
    this.batchSize = batchSize;
    this.learningRateInit = learningRateInit;
    this.maxIter = maxIter;
    this.randomState = randomState;
    this.nIterNoChange = nIterNoChange;
    return this;
  }

  /**
   * The record of the fit: epochs, samples seen ({@code t_}), the training loss per epoch, the
   * epochs without improvement when it stopped.
   */
  public MlpClassifierFit record(int nIter, long samplesSeen, double[] lossCurve,
      int noImprovementCount) {
    this.nIter = nIter;
    this.t = samplesSeen;
    this.lossCurve = lossCurve.clone();
    this.noImprovementCount = noImprovementCount;
    double best = Double.POSITIVE_INFINITY;
    for (double l : lossCurve) {
      best = Math.min(best, l);
    }
    this.bestLoss = best;
    this.loss = lossCurve.length == 0 ? Double.NaN : lossCurve[lossCurve.length - 1];
    return this;
  }

  /** The tolerance the fit stopped at (sklearn's {@code tol}, default 1e-4). */
  public MlpClassifierFit tol(double tol) {
    this.tol = tol;
    return this;
  }

  /** The final loss of an L-BFGS fit (which has no loss curve). */
  public MlpClassifierFit loss(double loss) {
    this.loss = loss;
    return this;
  }

  /** Adam's step count and moment estimates, per parameter as the weights are shaped. */
  public MlpClassifierFit adam(long steps, float[][][] coefM, float[][] interceptM,
      float[][][] coefV, float[][] interceptV) {
    this.adamSteps = steps;
    this.adamCoefM = coefM;
    this.adamInterceptM = interceptM;
    this.adamCoefV = coefV;
    this.adamInterceptV = interceptV;
    return this;
  }

  /** The class probabilities (or, multilabel, each class's) of one input, as sklearn computes. */
  public double[] predictProba(float[] x) {
    double[] a = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      a[i] = x[i];
    }
    for (int l = 0; l < coefs.length; l++) {
      float[][] w = coefs[l];
      double[] z = new double[intercepts[l].length];
      for (int o = 0; o < z.length; o++) {
        z[o] = intercepts[l][o];
      }
      for (int i = 0; i < a.length; i++) {
        double ai = a[i];
        if (ai != 0) {
          float[] row = w[i];
          for (int o = 0; o < z.length; o++) {
            z[o] += ai * row[o];
          }
        }
      }
      if (l < coefs.length - 1) {
        for (int o = 0; o < z.length; o++) {
          z[o] = activate(activation, z[o]);
        }
      } else if (multilabel) {
        for (int o = 0; o < z.length; o++) {
          z[o] = 1 / (1 + Math.exp(-z[o]));
        }
      } else {
        softmax(z);
      }
      a = z;
    }
    return a;
  }

  static double activate(String activation, double z) {
    switch (activation) {
      case "relu": return z > 0 ? z : 0;
      case "logistic": return 1 / (1 + Math.exp(-z));
      case "tanh": return Math.tanh(z);
      default: return z;
    }
  }

  static void softmax(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (int o = 0; o < z.length; o++) {
      z[o] = Math.exp(z[o] - max);
      sum += z[o];
    }
    for (int o = 0; o < z.length; o++) {
      z[o] /= sum;
    }
  }

  /** The class labels, in the order of the outputs. */
  public List<Object> classes() {
    return classes;
  }

  public boolean multilabel() {
    return multilabel;
  }
}
