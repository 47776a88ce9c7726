package io.model2vec.cli;

import java.util.Arrays;
import java.util.Random;

/** The scores of evaluate's tasks besides retrieval (see {@link Evaluation}). */
final class Metrics {
  private Metrics() {}

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int j = 0; j < a.length; j++) {
      dot += (double) a[j] * b[j];
      na += (double) a[j] * a[j];
      nb += (double) b[j] * b[j];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }

  /** Spearman's rank correlation: Pearson's of the ranks, ties given their mean rank. */
  static double spearman(double[] x, double[] y) {
    if (x.length != y.length || x.length < 2) {
      throw new IllegalArgumentException("spearman needs two series of the same length >= 2, got "
          + x.length + " and " + y.length);
    }
    return pearson(ranks(x), ranks(y));
  }

  static double[] ranks(double[] v) {
    Integer[] order = new Integer[v.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
    double[] r = new double[v.length];
    for (int i = 0; i < order.length; ) {
      int j = i;
      while (j + 1 < order.length && v[order[j + 1]] == v[order[i]]) {
        j++;
      }
      double mean = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        r[order[k]] = mean;
      }
      i = j + 1;
    }
    return r;
  }

  static double pearson(double[] x, double[] y) {
    double mx = 0;
    double my = 0;
    for (int i = 0; i < x.length; i++) {
      mx += x[i];
      my += y[i];
    }
    mx /= x.length;
    my /= y.length;
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < x.length; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
  }

  /**
   * Multi-class predictions of logistic regression (one against the rest), stratified k-fold
   * (see Evaluation). LIBLINEAR's own default tolerance (0.01), not the binary probe's 1e-4: with
   * 45 classes the tighter one takes minutes and changes the macro-F1 in the third decimal.
   */
  static int[] crossValidatePredict(float[][] x, int[] y, int folds, long seed, double c) {
    return Evaluation.predictFolds(x, y, folds, seed, c, 0.01);
  }

  static double accuracy(int[] truth, int[] pred) {
    int ok = 0;
    for (int i = 0; i < truth.length; i++) {
      ok += truth[i] == pred[i] ? 1 : 0;
    }
    return (double) ok / truth.length;
  }

  /** The unweighted mean over the classes 0..k-1 of each class's F1 (0 for a class never hit). */
  static double macroF1(int[] truth, int[] pred, int k) {
    long[] tp = new long[k];
    long[] fp = new long[k];
    long[] fn = new long[k];
    for (int i = 0; i < truth.length; i++) {
      if (truth[i] == pred[i]) {
        tp[truth[i]]++;
      } else {
        fn[truth[i]]++;
        fp[pred[i]]++;
      }
    }
    double sum = 0;
    for (int c = 0; c < k; c++) {
      sum += tp[c] == 0 ? 0 : 2.0 * tp[c] / (2.0 * tp[c] + fp[c] + fn[c]);
    }
    return sum / k;
  }

  /**
   * V-measure (Rosenberg and Hirschberg 2007, beta 1): the harmonic mean of homogeneity
   * 1 - H(class | cluster) / H(class) and completeness 1 - H(cluster | class) / H(cluster), each 1
   * when its denominator is 0 (as scikit-learn's v_measure_score).
   */
  static double vMeasure(int[] classes, int[] clusters) {
    int n = classes.length;
    int nc = Arrays.stream(classes).max().orElse(0) + 1;
    int nk = Arrays.stream(clusters).max().orElse(0) + 1;
    double[][] joint = new double[nc][nk];
    double[] pc = new double[nc];
    double[] pk = new double[nk];
    for (int i = 0; i < n; i++) {
      joint[classes[i]][clusters[i]]++;
      pc[classes[i]]++;
      pk[clusters[i]]++;
    }
    double hc = entropy(pc, n);
    double hk = entropy(pk, n);
    double hcGivenK = 0;
    double hkGivenC = 0;
    for (int c = 0; c < nc; c++) {
      for (int k = 0; k < nk; k++) {
        double j = joint[c][k];
        if (j > 0) {
          hcGivenK -= j / n * Math.log(j / pk[k]);
          hkGivenC -= j / n * Math.log(j / pc[c]);
        }
      }
    }
    double h = hc == 0 ? 1 : 1 - hcGivenK / hc;
    double comp = hk == 0 ? 1 : 1 - hkGivenC / hk;
    return h + comp == 0 ? 0 : 2 * h * comp / (h + comp);
  }

  private static double entropy(double[] counts, int n) {
    double h = 0;
    for (double c : counts) {
      if (c > 0) {
        h -= c / n * Math.log(c / n);
      }
    }
    return h;
  }

  /**
   * k-means (Lloyd) on the L2-normalized rows (so that the distance orders pairs as cosine does),
   * k-means++ seeding, {@code restarts} seeded runs of at most 300 iterations; the run with the
   * lowest within-cluster sum of squares wins. Returns the cluster of each row.
   */
  static int[] kMeans(float[][] rows, int k, int restarts, long seed) {
    int n = rows.length;
    if (k < 1 || k > n) {
      throw new IllegalArgumentException("k must be in [1, rows = " + n + "], was " + k);
    }
    int d = rows[0].length;
    double[][] x = new double[n][d];
    for (int i = 0; i < n; i++) {
      double norm = 0;
      for (int j = 0; j < d; j++) {
        norm += (double) rows[i][j] * rows[i][j];
      }
      norm = norm == 0 ? 1 : Math.sqrt(norm);
      for (int j = 0; j < d; j++) {
        x[i][j] = rows[i][j] / norm;
      }
    }
    Random rnd = new Random(seed);
    int[] best = null;
    double bestInertia = Double.POSITIVE_INFINITY;
    for (int r = 0; r < restarts; r++) {
      double[][] centres = plusPlus(x, k, rnd);
      int[] assign = new int[n];
      Arrays.fill(assign, -1);
      double inertia = 0;
      for (int iter = 0; iter < 300; iter++) {
        boolean changed = false;
        inertia = 0;
        for (int i = 0; i < n; i++) {
          int arg = 0;
          double min = Double.POSITIVE_INFINITY;
          for (int c = 0; c < k; c++) {
            double dist = sq(x[i], centres[c]);
            if (dist < min) {
              min = dist;
              arg = c;
            }
          }
          inertia += min;
          if (assign[i] != arg) {
            assign[i] = arg;
            changed = true;
          }
        }
        if (!changed) {
          break;
        }
        double[][] sum = new double[k][d];
        int[] count = new int[k];
        for (int i = 0; i < n; i++) {
          count[assign[i]]++;
          for (int j = 0; j < d; j++) {
            sum[assign[i]][j] += x[i][j];
          }
        }
        for (int c = 0; c < k; c++) {
          if (count[c] == 0) {
            continue; // an empty cluster keeps its centre
          }
          for (int j = 0; j < d; j++) {
            centres[c][j] = sum[c][j] / count[c];
          }
        }
      }
      if (inertia < bestInertia) {
        bestInertia = inertia;
        best = assign.clone();
      }
    }
    return best;
  }

  private static double[][] plusPlus(double[][] x, int k, Random rnd) {
    int n = x.length;
    double[][] centres = new double[k][];
    centres[0] = x[rnd.nextInt(n)].clone();
    double[] dist = new double[n];
    Arrays.fill(dist, Double.POSITIVE_INFINITY);
    for (int c = 1; c < k; c++) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        dist[i] = Math.min(dist[i], sq(x[i], centres[c - 1]));
        total += dist[i];
      }
      int pick = n - 1;
      if (total > 0) {
        double u = rnd.nextDouble() * total;
        for (int i = 0; i < n; i++) {
          u -= dist[i];
          if (u < 0) {
            pick = i;
            break;
          }
        }
      } else {
        pick = rnd.nextInt(n);
      }
      centres[c] = x[pick].clone();
    }
    return centres;
  }

  private static double sq(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      double z = a[j] - b[j];
      s += z * z;
    }
    return s;
  }
}
