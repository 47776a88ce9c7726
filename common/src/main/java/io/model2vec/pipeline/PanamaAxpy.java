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
