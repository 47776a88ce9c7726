package io.model2vec.index;

/** L2 normalization and dot products of the index's vectors. */
final class Vectors {
  private Vectors() {}

  /** {@code out = v / |v|}; the zero vector stays zero. */
  static void normalizeInto(float[] v, float[] out) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    if (sum == 0 || !Double.isFinite(sum)) {
      for (int i = 0; i < v.length; i++) {
        if (!Float.isFinite(v[i])) {
          throw new IllegalArgumentException("vector has a non-finite value " + v[i]
              + " at dimension " + i);
        }
        out[i] = 0f;
      }
      return;
    }
    float inv = (float) (1.0 / Math.sqrt(sum));
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * inv;
    }
  }

  static float[] normalized(float[] v) {
    float[] out = new float[v.length];
    normalizeInto(v, out);
    return out;
  }
}
