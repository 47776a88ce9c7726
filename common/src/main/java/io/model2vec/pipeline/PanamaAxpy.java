package io.model2vec.pipeline;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The heads' inner loop with the Vector API: C2 does not vectorize Dense's scalar axpy well on
 * Java 17 (measured: 4-5x slower for a 256 x 512 layer). Only linked when
 * {@code jdk.incubator.vector} is in the boot layer: see {@link Dense#VECTOR}.
 */
final class PanamaAxpy {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = FLOATS.length();

  private PanamaAxpy() {}

  static int lanes() {
    return LANES;
  }

  /**
   * {@code out[t] += x[t] W} for texts {@code [0, count)}, {@code W} being {@code inputs x n}
   * row-major: a register-tiled product. For each block of {@code LANES} outputs, four texts at a
   * time keep their sums in four vector registers over every input, so each weight vector is
   * loaded once per four texts and the outputs are stored once; the block's weights (inputs x
   * LANES floats) stay in L1 across the texts. Leftover texts and outputs take {@link #axpy}:
   * for one text, contiguous rows beat one register per block read down the columns (measured
   * 22 against 36 us for 256 x 512).
   */
  static void product(float[][] x, int count, float[] w, int inputs, int n, float[][] out) {
    int blocks = FLOATS.loopBound(n);
    int quads = count & ~3;
    for (int j = 0; j < blocks; j += LANES) {
      for (int t = 0; t < quads; t += 4) {
        float[] x0 = x[t];
        float[] x1 = x[t + 1];
        float[] x2 = x[t + 2];
        float[] x3 = x[t + 3];
        FloatVector a0 = FloatVector.fromArray(FLOATS, out[t], j);
        FloatVector a1 = FloatVector.fromArray(FLOATS, out[t + 1], j);
        FloatVector a2 = FloatVector.fromArray(FLOATS, out[t + 2], j);
        FloatVector a3 = FloatVector.fromArray(FLOATS, out[t + 3], j);
        for (int i = 0, row = j; i < inputs; i++, row += n) {
          FloatVector wv = FloatVector.fromArray(FLOATS, w, row);
          a0 = wv.fma(FloatVector.broadcast(FLOATS, x0[i]), a0);
          a1 = wv.fma(FloatVector.broadcast(FLOATS, x1[i]), a1);
          a2 = wv.fma(FloatVector.broadcast(FLOATS, x2[i]), a2);
          a3 = wv.fma(FloatVector.broadcast(FLOATS, x3[i]), a3);
        }
        a0.intoArray(out[t], j);
        a1.intoArray(out[t + 1], j);
        a2.intoArray(out[t + 2], j);
        a3.intoArray(out[t + 3], j);
      }
    }
    for (int t = 0; t < count; t++) {
      boolean tiled = t < quads;
      float[] xt = x[t];
      float[] o = out[t];
      for (int i = 0, row = 0; i < inputs; i++, row += n) {
        float xi = xt[i];
        if (tiled) { // only the outputs past the last whole block are left
          for (int j = blocks; j < n; j++) {
            o[j] = Math.fma(xi, w[row + j], o[j]);
          }
        } else {
          axpy(xi, w, row, o, n);
        }
      }
    }
  }

  /** {@code out[0 .. n) += x * w[from .. from + n)}, with fused multiply-adds. */
  static void axpy(float x, float[] w, int from, float[] out, int n) {
    FloatVector xs = FloatVector.broadcast(FLOATS, x);
    int j = 0;
    for (int bound = FLOATS.loopBound(n); j < bound; j += LANES) {
      FloatVector.fromArray(FLOATS, w, from + j).fma(xs, FloatVector.fromArray(FLOATS, out, j))
          .intoArray(out, j);
    }
    for (; j < n; j++) {
      out[j] = Math.fma(x, w[from + j], out[j]);
    }
  }
}
