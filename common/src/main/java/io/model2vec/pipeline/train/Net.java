package io.model2vec.pipeline.train;

import io.model2vec.pipeline.LogisticRegressionFit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The MLP being trained: weights as flat row-major {@code [in][out]} arrays (the products run
 * over contiguous rows, which the JIT vectorizes), ReLU hidden layers, softmax or logistic
 * outputs, and Adam's state, updated as sklearn's {@code AdamOptimizer} does.
 */
final class Net {
  final int[] sizes;
  final boolean multilabel;
  final float[][] w;
  final float[][] b;
  final float[][] mw;
  final float[][] vw;
  final float[][] mb;
  final float[][] vb;
  long steps;

  Net(int inputs, int[] hidden, int outputs, boolean multilabel, SplittableRandom rnd) {
    sizes = new int[hidden.length + 2];
    sizes[0] = inputs;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = outputs;
    this.multilabel = multilabel;
    int layers = sizes.length - 1;
    w = new float[layers][];
    b = new float[layers][];
    mw = new float[layers][];
    vw = new float[layers][];
    mb = new float[layers][];
    vb = new float[layers][];
    for (int l = 0; l < layers; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      // sklearn's _init_coef: Glorot uniform, factor 6 (ReLU hidden units), intercepts alike
      double bound = Math.sqrt(6.0 / (in + out));
      w[l] = new float[in * out];
      b[l] = new float[out];
      for (int i = 0; i < w[l].length; i++) {
        w[l][i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
      }
      for (int i = 0; i < out; i++) {
        b[l][i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
      }
      mw[l] = new float[in * out];
      vw[l] = new float[in * out];
      mb[l] = new float[out];
      vb[l] = new float[out];
    }
  }

  private Net(Net o) {
    sizes = o.sizes;
    multilabel = o.multilabel;
    w = deep(o.w);
    b = deep(o.b);
    mw = o.mw;
    vw = o.vw;
    mb = o.mb;
    vb = o.vb;
    steps = o.steps;
  }

  private static float[][] deep(float[][] a) {
    float[][] c = new float[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  /** A copy of the weights (the optimizer's state is not copied: only the weights are kept). */
  Net copy() {
    return new Net(this);
  }

  /** Buffers for a batch of up to {@code rows}: activations and deltas per layer, gradients. */
  final class Work {
    final int rows;
    final float[][] act;
    final float[][] delta;
    final float[][] gw;
    final float[][] gb;

    Work(int rows) {
      this.rows = rows;
      act = new float[sizes.length][];
      delta = new float[sizes.length][];
      for (int l = 0; l < sizes.length; l++) {
        act[l] = new float[rows * sizes[l]];
        delta[l] = new float[rows * sizes[l]];
      }
      gw = new float[w.length][];
      gb = new float[w.length][];
      for (int l = 0; l < w.length; l++) {
        gw[l] = new float[w[l].length];
        gb[l] = new float[b[l].length];
      }
    }
  }

  Work work(int rows) {
    return new Work(rows);
  }

  /** Forward pass of {@code m} rows already in {@code act[0]}; returns nothing, fills act. */
  private void forward(float[][] act, int m) {
    int layers = w.length;
    for (int l = 0; l < layers; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      float[] a = act[l];
      float[] z = act[l + 1];
      float[] wl = w[l];
      float[] bl = b[l];
      for (int r = 0; r < m; r++) {
        int zo = r * out;
        System.arraycopy(bl, 0, z, zo, out);
        int ao = r * in;
        for (int i = 0; i < in; i++) {
          float ai = a[ao + i];
          if (ai != 0) {
            int wo = i * out;
            for (int o = 0; o < out; o++) {
              z[zo + o] += ai * wl[wo + o];
            }
          }
        }
        if (l < layers - 1) {
          for (int o = 0; o < out; o++) {
            if (z[zo + o] < 0) {
              z[zo + o] = 0;
            }
          }
        } else if (multilabel) {
          for (int o = 0; o < out; o++) {
            z[zo + o] = (float) (1 / (1 + Math.exp(-z[zo + o])));
          }
        } else {
          float max = Float.NEGATIVE_INFINITY;
          for (int o = 0; o < out; o++) {
            max = Math.max(max, z[zo + o]);
          }
          double sum = 0;
          for (int o = 0; o < out; o++) {
            double e = Math.exp(z[zo + o] - max);
            z[zo + o] = (float) e;
            sum += e;
          }
          for (int o = 0; o < out; o++) {
            z[zo + o] = (float) (z[zo + o] / sum);
          }
        }
      }
    }
  }

  /** The log loss of one row's output {@code p} against its target (sklearn's log_loss). */
  private double rowLoss(float[] p, int po, float[] y) {
    double s = 0;
    for (int o = 0; o < y.length; o++) {
      double q = Math.min(Math.max(p[po + o], 1e-7), 1 - 1e-7);
      if (multilabel) {
        s -= y[o] * Math.log(q) + (1 - y[o]) * Math.log(1 - q);
      } else if (y[o] != 0) {
        s -= y[o] * Math.log(q);
      }
    }
    return s;
  }

  /** Rows per chunk of a batch: chunks are computed apart (in parallel) and summed in order. */
  static final int CHUNK = 64;

  /**
   * Forward and backward pass of rows {@code order[from .. from+m)} (m <= CHUNK) into
   * {@code wk}: the raw sums of the gradients over the rows (no L2 term, not averaged); returns
   * the summed log loss.
   */
  private double gradients(float[][] x, float[][] y, int[] order, int from, int m, Work wk) {
    int d = sizes[0];
    for (int r = 0; r < m; r++) {
      System.arraycopy(x[order[from + r]], 0, wk.act[0], r * d, d);
    }
    forward(wk.act, m);
    int layers = w.length;
    int k = sizes[layers];
    float[] out = wk.act[layers];
    float[] dl = wk.delta[layers];
    double loss = 0;
    for (int r = 0; r < m; r++) {
      float[] t = y[order[from + r]];
      loss += rowLoss(out, r * k, t);
      for (int o = 0; o < k; o++) {
        dl[r * k + o] = out[r * k + o] - t[o];
      }
    }
    for (int l = layers - 1; l >= 0; l--) {
      int in = sizes[l];
      int o = sizes[l + 1];
      float[] a = wk.act[l];
      float[] del = wk.delta[l + 1];
      float[] gw = wk.gw[l];
      float[] gb = wk.gb[l];
      java.util.Arrays.fill(gw, 0);
      java.util.Arrays.fill(gb, 0);
      for (int r = 0; r < m; r++) {
        int ro = r * o;
        for (int j = 0; j < o; j++) {
          gb[j] += del[ro + j];
        }
        int ao = r * in;
        for (int i = 0; i < in; i++) {
          float ai = a[ao + i];
          if (ai != 0) {
            int go = i * o;
            for (int j = 0; j < o; j++) {
              gw[go + j] += ai * del[ro + j];
            }
          }
        }
      }
      if (l > 0) {
        // delta of the layer below, through the ReLU: zero where the unit was off
        float[] wl = w[l];
        float[] prev = wk.delta[l];
        for (int r = 0; r < m; r++) {
          int ro = r * o;
          int ao = r * in;
          for (int i = 0; i < in; i++) {
            if (a[ao + i] <= 0) {
              prev[ao + i] = 0;
              continue;
            }
            int wo = i * o;
            float s = 0;
            for (int j = 0; j < o; j++) {
              s += del[ro + j] * wl[wo + j];
            }
            prev[ao + i] = s;
          }
        }
      }
    }
    return loss;
  }

  /**
   * One Adam step on rows {@code order[from .. from+m)}; returns the batch's loss with the L2
   * term, as sklearn's {@code _backprop} computes it. The batch is cut into chunks of
   * {@link #CHUNK} rows, one {@code works} entry each, run on {@code pool} if there is one; their
   * sums are added in chunk order, so the result does not depend on the threads.
   */
  double step(float[][] x, float[][] y, int[] order, int from, int m, double alpha, double lr,
      Work[] works, ExecutorService pool) {
    int chunks = (m + CHUNK - 1) / CHUNK;
    double[] losses = new double[chunks];
    if (pool == null || chunks == 1) {
      for (int c = 0; c < chunks; c++) {
        int f = from + c * CHUNK;
        losses[c] = gradients(x, y, order, f, Math.min(CHUNK, m - c * CHUNK), works[c]);
      }
    } else {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < chunks; c++) {
        int cc = c;
        done.add(pool.submit(() -> {
          losses[cc] = gradients(x, y, order, from + cc * CHUNK,
              Math.min(CHUNK, m - cc * CHUNK), works[cc]);
        }));
      }
      for (Future<?> f : done) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while training", e);
        } catch (ExecutionException e) {
          Throwable t = e.getCause();
          if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
          }
          throw new IllegalStateException(t);
        }
      }
    }
    int layers = w.length;
    Work sum = works[0];
    for (int c = 1; c < chunks; c++) {
      for (int l = 0; l < layers; l++) {
        add(sum.gw[l], works[c].gw[l]);
        add(sum.gb[l], works[c].gb[l]);
      }
    }
    double loss = 0;
    for (double v : losses) {
      loss += v;
    }
    loss /= m;
    double l2 = 0;
    for (float[] wl : w) {
      for (float v : wl) {
        l2 += (double) v * v;
      }
    }
    loss += 0.5 * alpha * l2 / m;
    float inv = 1f / m;
    for (int l = 0; l < layers; l++) {
      float[] gw = sum.gw[l];
      float[] wl = w[l];
      for (int i = 0; i < gw.length; i++) {
        gw[i] = (gw[i] + (float) alpha * wl[i]) * inv;
      }
      float[] gb = sum.gb[l];
      for (int j = 0; j < gb.length; j++) {
        gb[j] *= inv;
      }
    }
    steps++;
    double lrT = lr * Math.sqrt(1 - Math.pow(0.999, steps)) / (1 - Math.pow(0.9, steps));
    for (int l = 0; l < layers; l++) {
      adam(w[l], sum.gw[l], mw[l], vw[l], lrT);
      adam(b[l], sum.gb[l], mb[l], vb[l], lrT);
    }
    return loss;
  }

  private static void add(float[] into, float[] x) {
    for (int i = 0; i < into.length; i++) {
      into[i] += x[i];
    }
  }

  private static void adam(float[] p, float[] g, float[] m, float[] v, double lrT) {
    float b1 = 0.9f;
    float b2 = 0.999f;
    float lr = (float) lrT;
    for (int i = 0; i < p.length; i++) {
      float gi = g[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      p[i] -= lr * m[i] / ((float) Math.sqrt(v[i]) + 1e-8f);
    }
  }

  /** Mean log loss (no L2 term) over {@code rows}; 0 for none. */
  double loss(float[][] x, float[][] y, int[] rows) {
    if (rows.length == 0) {
      return 0;
    }
    int chunk = 256;
    Work wk = new Work(Math.min(chunk, rows.length));
    int d = sizes[0];
    int k = sizes[sizes.length - 1];
    double s = 0;
    for (int from = 0; from < rows.length; from += chunk) {
      int m = Math.min(chunk, rows.length - from);
      for (int r = 0; r < m; r++) {
        System.arraycopy(x[rows[from + r]], 0, wk.act[0], r * d, d);
      }
      forward(wk.act, m);
      for (int r = 0; r < m; r++) {
        s += rowLoss(wk.act[w.length], r * k, y[rows[from + r]]);
      }
    }
    return s / rows.length;
  }

  /** Output probabilities of every row in {@code rows}. */
  float[][] predict(float[][] x, int[] rows) {
    int chunk = 256;
    Work wk = new Work(Math.max(1, Math.min(chunk, rows.length)));
    int d = sizes[0];
    int k = sizes[sizes.length - 1];
    float[][] p = new float[rows.length][k];
    for (int from = 0; from < rows.length; from += chunk) {
      int m = Math.min(chunk, rows.length - from);
      for (int r = 0; r < m; r++) {
        System.arraycopy(x[rows[from + r]], 0, wk.act[0], r * d, d);
      }
      forward(wk.act, m);
      for (int r = 0; r < m; r++) {
        System.arraycopy(wk.act[w.length], r * k, p[from + r], 0, k);
      }
    }
    return p;
  }

  float[][][] coefs() {
    return moments(w);
  }

  float[][] intercepts() {
    return momentsB(b);
  }

  /** Flat per-layer arrays as sklearn's {@code [in][out]} matrices. */
  float[][][] moments(float[][] flat) {
    float[][][] out = new float[flat.length][][];
    for (int l = 0; l < flat.length; l++) {
      int in = sizes[l];
      int o = sizes[l + 1];
      out[l] = new float[in][o];
      for (int i = 0; i < in; i++) {
        System.arraycopy(flat[l], i * o, out[l][i], 0, o);
      }
    }
    return out;
  }

  float[][] momentsB(float[][] flat) {
    float[][] out = new float[flat.length][];
    for (int l = 0; l < flat.length; l++) {
      out[l] = flat[l].clone();
    }
    return out;
  }

  /**
   * A linear softmax net as sklearn's LogisticRegression: one row per class, or for two classes
   * the difference of the rows (softmax of two is the sigmoid of the difference).
   */
  LogisticRegressionFit toLogistic(List<Object> classes) {
    int d = sizes[0];
    int k = sizes[1];
    float[] wl = w[0];
    float[] bl = b[0];
    if (k == 2) {
      double[][] coef = new double[1][d];
      for (int i = 0; i < d; i++) {
        coef[0][i] = (double) wl[i * 2 + 1] - wl[i * 2];
      }
      return new LogisticRegressionFit(classes, coef, new double[] {(double) bl[1] - bl[0]});
    }
    double[][] coef = new double[k][d];
    double[] intercept = new double[k];
    for (int c = 0; c < k; c++) {
      for (int i = 0; i < d; i++) {
        coef[c][i] = wl[i * k + c];
      }
      intercept[c] = bl[c];
    }
    return new LogisticRegressionFit(classes, coef, intercept);
  }
}
