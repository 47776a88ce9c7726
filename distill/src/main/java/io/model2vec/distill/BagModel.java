package io.model2vec.distill;

import java.util.Arrays;

/**
 * The model tokenlearn trains: a text is the weighted mean of its tokens' rows,
 * {@code x = sum_t w[t] e[t] / n}, and a linear head {@code h = W x + b} maps it onto the target
 * space, where the loss compares {@code h} with the target. Only the rows and weights ({@code
 * w[t] e[t]}) form the final static model; the head is for training. Parameters are doubles so
 * that gradients can be checked against finite differences. Not thread-safe, but a batch's
 * loss and gradient may be computed on several threads ({@link #parallel}): each thread writes
 * its own slots, and every sum keeps its order, so the result is the same for any number.
 */
final class BagModel {
  /** The training losses of tokenlearn. */
  enum Loss {
    /**
     * Cross-entropy over the batch of cosine similarities between outputs and targets divided by
     * a temperature of 0.07: each output must be closer to its own target than to the others.
     */
    CONTRASTIVE,
    /** {@code 1 - mean cos(h_i, y_i)}. */
    COSINE,
    /** Mean squared error over all values. */
    MSE
  }

  /** tokenlearn's temperature of the contrastive loss, the default of {@link #temperature}. */
  static final double TEMPERATURE = 0.07;

  final int vocab;
  final int dims;
  final int out;
  /** Row {@code t} at {@code [t * dims, (t + 1) * dims)}. */
  final double[] emb;
  final double[] weight;
  /** Row-major [out, dims]. */
  final double[] head;
  final double[] bias;
  final boolean trainWeights;
  /** False: the head stays the identity ({@code out == dims}), the rows meet the targets as is. */
  final boolean trainHead;
  /** The threads a batch is computed on. */
  Parallel parallel = Parallel.SERIAL;
  /** The contrastive loss divides the cosine similarities by it. */
  double temperature = TEMPERATURE;
  /**
   * Weight of the relational term added to the loss (0: none): how far each passage's
   * similarities to the batch's other passages, student against student, are from the
   * teacher's own (see {@link #relational}).
   */
  double relationalWeight;
  /** The relational term divides the cosine similarities by it (NaN: {@link #temperature}). */
  double relationalTemperature = Double.NaN;

  BagModel(float[][] table, int out, boolean trainWeights) {
    this(table, out, trainWeights, true);
  }

  BagModel(float[][] table, int out, boolean trainWeights, boolean trainHead) {
    this.vocab = table.length;
    this.dims = table[0].length;
    this.out = out;
    this.trainWeights = trainWeights;
    this.trainHead = trainHead;
    if (!trainHead && out != dims) {
      throw new IllegalArgumentException("without a trained head the targets need the table's "
          + dims + " dimensions, they have " + out);
    }
    this.emb = new double[vocab * dims];
    for (int t = 0; t < vocab; t++) {
      if (table[t].length != dims) {
        throw new IllegalArgumentException("row " + t + " has " + table[t].length
            + " values, row 0 has " + dims);
      }
      for (int j = 0; j < dims; j++) {
        emb[t * dims + j] = table[t][j];
      }
    }
    this.weight = new double[vocab];
    Arrays.fill(weight, 1.0);
    // The head starts as the identity (padded or cut), so training starts from the table as is.
    this.head = new double[out * dims];
    for (int i = 0; i < Math.min(out, dims); i++) {
      head[i * dims + i] = 1.0;
    }
    this.bias = new double[out];
  }

  /** Gradients of one batch: dense for the head, per touched token for rows and weights. */
  static final class Grad {
    final double[] emb;
    final double[] weight;
    final double[] head;
    final double[] bias;
    /** Token ids whose row or weight has a gradient, each once. */
    int[] touched = new int[0];
    int nTouched;
    private final boolean[] isTouched;

    Grad(BagModel m) {
      emb = new double[m.vocab * m.dims];
      weight = new double[m.vocab];
      head = new double[m.out * m.dims];
      bias = new double[m.out];
      isTouched = new boolean[m.vocab];
    }

    void clear(int dims) {
      for (int k = 0; k < nTouched; k++) {
        int t = touched[k];
        Arrays.fill(emb, t * dims, (t + 1) * dims, 0);
        weight[t] = 0;
        isTouched[t] = false;
      }
      nTouched = 0;
      Arrays.fill(head, 0);
      Arrays.fill(bias, 0);
    }

    void touch(int t) {
      if (!isTouched[t]) {
        isTouched[t] = true;
        if (nTouched == touched.length) {
          touched = Arrays.copyOf(touched, Math.max(64, 2 * touched.length));
        }
        touched[nTouched++] = t;
      }
    }
  }

  /** The pooled vector {@code x} of one text (no head). Empty texts give zeros. */
  double[] pool(int[] ids) {
    double[] x = new double[dims];
    if (ids.length == 0) {
      return x;
    }
    for (int t : ids) {
      double w = weight[t];
      int base = t * dims;
      for (int j = 0; j < dims; j++) {
        x[j] += w * emb[base + j];
      }
    }
    for (int j = 0; j < dims; j++) {
      x[j] /= ids.length;
    }
    return x;
  }

  double[] headOf(double[] x) {
    double[] h = bias.clone();
    // Four output rows per pass (see dot4), bit-identical to one row at a time, so the trained
    // tables are those of earlier builds: default-model/regenerate.sh stays byte for byte.
    double[] d = new double[4];
    int i = 0;
    for (; i + 4 <= out; i += 4) {
      int b0 = i * dims;
      dot4(x, head, b0, head, b0 + dims, head, b0 + 2 * dims, head, b0 + 3 * dims, dims, d);
      h[i] += d[0];
      h[i + 1] += d[1];
      h[i + 2] += d[2];
      h[i + 3] += d[3];
    }
    for (; i < out; i++) {
      h[i] += dot(x, head, i * dims, dims);
    }
    return h;
  }

  /**
   * The loss of a batch ({@code ids[rows[k]]} against {@code targets[rows[k]]}); when {@code g} is
   * not null, also its gradient (added into {@code g}, which the caller clears).
   */
  double loss(int[][] ids, float[][] targets, int[] rows, Loss loss, Grad g) {
    int b = rows.length;
    double[][] x = new double[b][];
    double[][] h = new double[b][];
    parallel.forRange(b, (from, to) -> {
      for (int k = from; k < to; k++) {
        x[k] = pool(ids[rows[k]]);
        h[k] = headOf(x[k]);
      }
    });
    double[][] dh = g == null ? null : new double[b][out];
    // the contrastive loss and the relational term read the batch at unit length: scaled once
    UnitBatch u = loss == Loss.CONTRASTIVE || relationalWeight > 0
        ? new UnitBatch(h, targets, rows) : null;
    double value;
    switch (loss) {
      case MSE:
        value = mse(h, targets, rows, dh);
        break;
      case COSINE:
        value = cosine(h, targets, rows, dh);
        break;
      default:
        value = contrastive(u, dh);
    }
    if (relationalWeight > 0) {
      value += relationalWeight * relational(u, dh);
    }
    if (g != null) {
      backward(ids, rows, x, dh, g);
    }
    return value;
  }

  private void backward(int[][] ids, int[] rows, double[][] x, double[][] dh, Grad g) {
    int b = rows.length;
    // 1. per passage, on the threads: the gradient at its pooled vector (dx = W^T dh, the head's
    //    rows in order) and, per token, the gradient of its weight (emb . dx), read-only on the
    //    parameters
    double[][] dx = new double[b][];
    double[][] dw = new double[b][];
    parallel.forRange(b, (from, to) -> {
      for (int k = from; k < to; k++) {
        double[] d = dh[k];
        double[] dxk = new double[dims];
        for (int i = 0; i < out; i++) {
          double di = d[i];
          if (di == 0) {
            continue;
          }
          int base = i * dims;
          for (int j = 0; j < dims; j++) {
            dxk[j] += head[base + j] * di;
          }
        }
        dx[k] = dxk;
        int[] tokens = ids[rows[k]];
        if (trainWeights && tokens.length > 0) {
          double[] dwk = new double[tokens.length];
          for (int n = 0; n < tokens.length; n++) {
            int base = tokens[n] * dims;
            double s = 0;
            for (int j = 0; j < dims; j++) {
              s += emb[base + j] * dxk[j];
            }
            dwk[n] = s;
          }
          dw[k] = dwk;
        }
      }
    });
    // 2. the head's gradient, one range of its rows per thread, the passages in order
    parallel.forRange(out, (from, to) -> {
      for (int i = from; i < to; i++) {
        int base = i * dims;
        for (int k = 0; k < b; k++) {
          double di = dh[k][i];
          if (di == 0) {
            continue;
          }
          g.bias[i] += di;
          double[] xk = x[k];
          for (int j = 0; j < dims; j++) {
            g.head[base + j] += di * xk[j];
          }
        }
      }
    });
    // 3. the rows and weights of the tokens, passages in order (a token may be in several)
    for (int k = 0; k < b; k++) {
      int[] tokens = ids[rows[k]];
      if (tokens.length == 0) {
        continue;
      }
      double[] dxk = dx[k];
      double inv = 1.0 / tokens.length;
      for (int n = 0; n < tokens.length; n++) {
        int t = tokens[n];
        g.touch(t);
        double w = weight[t] * inv;
        int base = t * dims;
        for (int j = 0; j < dims; j++) {
          g.emb[base + j] += w * dxk[j];
        }
        if (trainWeights) {
          g.weight[t] += dw[k][n] * inv;
        }
      }
    }
  }

  private double mse(double[][] h, float[][] y, int[] rows, double[][] dh) {
    double sum = 0;
    double n = (double) h.length * out;
    for (int k = 0; k < h.length; k++) {
      float[] t = y[rows[k]];
      for (int i = 0; i < out; i++) {
        double e = h[k][i] - t[i];
        sum += e * e;
        if (dh != null) {
          dh[k][i] = 2 * e / n;
        }
      }
    }
    return sum / n;
  }

  private double cosine(double[][] h, float[][] y, int[] rows, double[][] dh) {
    int b = h.length;
    double sum = 0;
    for (int k = 0; k < b; k++) {
      double[] hn = h[k].clone();
      double hNorm = normalize(hn);
      double[] yn = toDouble(y[rows[k]]);
      normalize(yn);
      double cos = dot(hn, yn);
      sum += cos;
      if (dh != null) {
        // d(-cos/b)/dh = -(yn - hn cos) / (|h| b)
        for (int i = 0; i < out; i++) {
          dh[k][i] = -(yn[i] - hn[i] * cos) / (hNorm * b);
        }
      }
    }
    return 1 - sum / b;
  }

  /** A batch's head outputs and targets scaled to unit length, and the outputs' lengths. */
  private static final class UnitBatch {
    final double[][] hn;
    final double[] hNorm;
    final double[][] yn;

    UnitBatch(double[][] h, float[][] y, int[] rows) {
      int b = h.length;
      hn = new double[b][];
      hNorm = new double[b];
      yn = new double[b][];
      for (int k = 0; k < b; k++) {
        hn[k] = h[k].clone();
        hNorm[k] = normalize(hn[k]);
        yn[k] = toDouble(y[rows[k]]);
        normalize(yn[k]);
      }
    }
  }

  private double contrastive(UnitBatch u, double[][] dh) {
    int b = u.hn.length;
    double[][] hn = u.hn;
    double[] hNorm = u.hNorm;
    double[][] yn = u.yn;
    double[] terms = new double[b];
    parallel.forRange(b, (from, to) -> {
      double[] s = new double[b];
      double[] dhn = new double[out];
      double[] e = new double[b];
      for (int k = from; k < to; k++) {
        terms[k] = contrastiveRow(k, hn, hNorm, yn, s, e, dhn, dh);
      }
    });
    double total = 0;
    for (int k = 0; k < b; k++) {
      total += terms[k];
    }
    return total / b;
  }

  /**
   * The loss term of passage {@code k} in its batch ({@code max + log z - s[k]}) and, when
   * {@code dh} is not null, its gradient at the head's output into {@code dh[k]}; {@code s},
   * {@code e} and {@code dhn} are the calling thread's scratch.
   */
  private double contrastiveRow(int k, double[][] hn, double[] hNorm, double[][] yn, double[] s,
      double[] e, double[] dhn, double[][] dh) {
    int b = hn.length;
    double[] q = hn[k];
    // four targets per pass (see dot4): bit-identical to dot(q, yn[j]) one j at a time
    double[] d = new double[4];
    int j0 = 0;
    for (; j0 + 4 <= b; j0 += 4) {
      dot4(q, yn[j0], 0, yn[j0 + 1], 0, yn[j0 + 2], 0, yn[j0 + 3], 0, q.length, d);
      s[j0] = d[0] / temperature;
      s[j0 + 1] = d[1] / temperature;
      s[j0 + 2] = d[2] / temperature;
      s[j0 + 3] = d[3] / temperature;
    }
    for (; j0 < b; j0++) {
      s[j0] = dot(q, yn[j0]) / temperature;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < b; j++) {
      max = Math.max(max, s[j]);
    }
    double z = 0;
    for (int j = 0; j < b; j++) {
      e[j] = Math.exp(s[j] - max);
      z += e[j];
    }
    double term = max + Math.log(z) - s[k];
    if (dh != null) {
      // dL/ds_j = (softmax_j - [j == k]) / b; s_j = hn . yn_j / T
      Arrays.fill(dhn, 0);
      for (int j = 0; j < b; j++) {
        double ds = (e[j] / z - (j == k ? 1 : 0)) / (b * temperature);
        for (int i = 0; i < out; i++) {
          dhn[i] += ds * yn[j][i];
        }
      }
      // through the normalization: (dhn - hn (hn . dhn)) / |h|
      double proj = dot(hn[k], dhn);
      for (int i = 0; i < out; i++) {
        dh[k][i] = (dhn[i] - hn[k][i] * proj) / hNorm[k];
      }
    }
    return term;
  }

  /**
   * The relational term of a batch: for each passage {@code k}, the Kullback-Leibler divergence
   * of the student's softmax over its cosine similarities to the batch's other passages
   * ({@code hn_k . hn_j / T}, {@code j != k}; {@code T} is {@link #relationalTemperature}, by
   * default the loss's) from the teacher's ({@code yn_k . yn_j / T}),
   * averaged over the batch. The other losses compare a passage with targets; this one compares
   * the passages with each other as the teacher does, which is what retrieval, clustering and
   * pair similarity read from the student's vectors. When {@code dh} is not null its gradient,
   * times {@link #relationalWeight}, is added into {@code dh}.
   */
  private double relational(UnitBatch u, double[][] dh) {
    int b = u.hn.length;
    double[][] hn = u.hn;
    double[] hNorm = u.hNorm;
    double[][] yn = u.yn;
    double rt = relationalTemperature();
    // dL/ds_kj = (q_kj - p_kj) / b, the similarities s_kj = hn_k . hn_j / T
    double[][] ds = dh == null ? null : new double[b][b];
    double[] terms = new double[b];
    parallel.forRange(b, (from, to) -> {
      double[] s = new double[b];
      double[] t = new double[b];
      for (int k = from; k < to; k++) {
        terms[k] = relationalRow(k, hn, yn, rt, s, t, ds);
      }
    });
    double total = 0;
    for (int k = 0; k < b; k++) {
      total += terms[k];
    }
    if (ds != null) {
      // s_kj depends on hn_k and on hn_j: dL/dhn_m = sum_j (ds_mj + ds_jm) hn_j / T
      parallel.forRange(b, (from, to) -> {
        double[] d = new double[out];
        for (int m = from; m < to; m++) {
          Arrays.fill(d, 0);
          for (int j = 0; j < b; j++) {
            double c = (ds[m][j] + ds[j][m]) / rt;
            if (c == 0) {
              continue;
            }
            for (int i = 0; i < out; i++) {
              d[i] += c * hn[j][i];
            }
          }
          double proj = dot(hn[m], d);
          for (int i = 0; i < out; i++) {
            dh[m][i] += relationalWeight * (d[i] - hn[m][i] * proj) / hNorm[m];
          }
        }
      });
    }
    return total / b;
  }

  private double relationalTemperature() {
    return Double.isNaN(relationalTemperature) ? temperature : relationalTemperature;
  }

  /**
   * Passage {@code k}'s relational term, {@code sum_j p_kj (log p_kj - log q_kj)} over the
   * batch's other passages, and its row of {@code ds} when that is not null; {@code s} and
   * {@code t} are the calling thread's scratch.
   */
  private double relationalRow(int k, double[][] hn, double[][] yn, double rt, double[] s,
      double[] t, double[][] ds) {
    int b = hn.length;
    double maxS = Double.NEGATIVE_INFINITY;
    double maxT = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < b; j++) {
      if (j == k) {
        continue;
      }
      s[j] = dot(hn[k], hn[j]) / rt;
      t[j] = dot(yn[k], yn[j]) / rt;
      maxS = Math.max(maxS, s[j]);
      maxT = Math.max(maxT, t[j]);
    }
    double zS = 0;
    double zT = 0;
    for (int j = 0; j < b; j++) {
      if (j != k) {
        zS += Math.exp(s[j] - maxS);
        zT += Math.exp(t[j] - maxT);
      }
    }
    double logZS = maxS + Math.log(zS);
    double logZT = maxT + Math.log(zT);
    double term = 0;
    for (int j = 0; j < b; j++) {
      if (j == k) {
        continue;
      }
      double logP = t[j] - logZT;
      double logQ = s[j] - logZS;
      double p = Math.exp(logP);
      term += p * (logP - logQ);
      if (ds != null) {
        ds[k][j] = (Math.exp(logQ) - p) / b;
      }
    }
    return term;
  }

  /** The final static table: row {@code t} is {@code w[t] e[t]}. */
  float[][] table() {
    float[][] t = new float[vocab][dims];
    for (int i = 0; i < vocab; i++) {
      for (int j = 0; j < dims; j++) {
        t[i][j] = (float) (weight[i] * emb[i * dims + j]);
      }
    }
    return t;
  }

  /**
   * The table with the head folded in: row {@code t} is {@code W (w[t] e[t]) + b}. The mean of
   * these rows over a text is exactly the head's output for the text ({@code W x + b}, the bias
   * added once per token and divided by the count), the vector the loss compared with the target.
   */
  float[][] foldedTable() {
    float[][] t = new float[vocab][out];
    double[] x = new double[dims];
    for (int i = 0; i < vocab; i++) {
      for (int j = 0; j < dims; j++) {
        x[j] = weight[i] * emb[i * dims + j];
      }
      double[] h = headOf(x);
      for (int k = 0; k < out; k++) {
        t[i][k] = (float) h[k];
      }
    }
    return t;
  }

  static double normalize(double[] v) {
    double n = Math.sqrt(dot(v, v));
    double safe = Math.max(n, 1e-12);
    for (int i = 0; i < v.length; i++) {
      v[i] /= safe;
    }
    return safe;
  }

  /**
   * The four products {@code x . a_k[o_k .. o_k + n)} into {@code d[0..3]}: four independent sums
   * in flight instead of one chain of dependent additions (a double sum is not reordered by the
   * JIT), each adding its products in the order of the index, so every value is bit-identical to
   * {@link #dot} one at a time.
   */
  static void dot4(double[] x, double[] a0, int o0, double[] a1, int o1, double[] a2, int o2,
      double[] a3, int o3, int n, double[] d) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    for (int j = 0; j < n; j++) {
      double xj = x[j];
      s0 += a0[o0 + j] * xj;
      s1 += a1[o1 + j] * xj;
      s2 += a2[o2 + j] * xj;
      s3 += a3[o3 + j] * xj;
    }
    d[0] = s0;
    d[1] = s1;
    d[2] = s2;
    d[3] = s3;
  }

  static double dot(double[] a, double[] b) {
    return dot(a, b, 0, a.length);
  }

  /** {@code x . a[o .. o + n)}, the products added in the order of the index. */
  static double dot(double[] x, double[] a, int o, int n) {
    double s = 0;
    for (int j = 0; j < n; j++) {
      s += x[j] * a[o + j];
    }
    return s;
  }

  static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
