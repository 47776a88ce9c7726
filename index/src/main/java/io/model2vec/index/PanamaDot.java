package io.model2vec.index;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float dot products with the Vector API. Lucene 9.12 vectorizes its own only on Java 20-23, so on
 * the Java 17 that Spark and Flink clusters run it scores scalar, and building an HNSW graph is
 * almost all dot products. Only linked when {@code jdk.incubator.vector} is in the boot layer:
 * see {@link GraphScorer#vectorized()}.
 */
final class PanamaDot {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = FLOATS.length();

  private PanamaDot() {}

  static int lanes() {
    return LANES;
  }

  /** {@code a . b} over {@code a.length} values; two accumulators hide the FMA latency. */
  static float dot(float[] a, float[] b) {
    int n = a.length;
    int i = 0;
    FloatVector acc1 = FloatVector.zero(FLOATS);
    FloatVector acc2 = FloatVector.zero(FLOATS);
    for (int bound = n - 2 * LANES; i <= bound; i += 2 * LANES) {
      acc1 = FloatVector.fromArray(FLOATS, a, i).fma(FloatVector.fromArray(FLOATS, b, i), acc1);
      acc2 = FloatVector.fromArray(FLOATS, a, i + LANES)
          .fma(FloatVector.fromArray(FLOATS, b, i + LANES), acc2);
    }
    for (int bound = FLOATS.loopBound(n); i < bound; i += LANES) {
      acc1 = FloatVector.fromArray(FLOATS, a, i).fma(FloatVector.fromArray(FLOATS, b, i), acc1);
    }
    float sum = acc1.add(acc2).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
