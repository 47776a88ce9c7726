package io.model2vec.index;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The IVF index's two inner loops on the Vector API: float dot products (a row against every
 * centroid, while it is embedded) and float-by-int8 dot products (a query against a list's
 * codes). Only linked when {@link IvfKernels#VECTOR} is true.
 */
final class PanamaIvf {
  private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
  private static final VectorSpecies<Byte> B8 = ByteVector.SPECIES_64;

  private PanamaIvf() {}

  static float dot(float[] a, float[] b, int bOff, int n) {
    int i = 0;
    FloatVector acc1 = FloatVector.zero(F8);
    FloatVector acc2 = FloatVector.zero(F8);
    for (int bound = n - 16; i <= bound; i += 16) {
      acc1 = FloatVector.fromArray(F8, a, i).fma(FloatVector.fromArray(F8, b, bOff + i), acc1);
      acc2 = FloatVector.fromArray(F8, a, i + 8)
          .fma(FloatVector.fromArray(F8, b, bOff + i + 8), acc2);
    }
    float sum = acc1.add(acc2).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += a[i] * b[bOff + i];
    }
    return sum;
  }

  /**
   * {@code out[c] = v . centroid c} for every centroid, from centroids laid out in blocks of 8
   * ({@code blocked[(c / 8) * dims * 8 + d * 8 + c % 8]}): one broadcast of {@code v[d]} and one
   * FMA per block and dimension, four blocks at a time, and no horizontal sums.
   */
  static void scores(float[] v, float[] blocked, int blocks, float[] out) {
    scoresBatch(v, 1, v.length, blocked, blocks, out);
  }

  /**
   * {@link #scores} of {@code rows} vectors at once ({@code vs[r * dims + d]}, results at {@code
   * out[r * blocks * 8 + c]}): four blocks of centroids (32 KB at 256 dimensions) are scored
   * against every vector before the next four are read, so the centroids stream from memory
   * once a batch instead of once a vector.
   */
  static void scoresBatch(float[] vs, int rows, int dims, float[] blocked, int blocks,
      float[] out) {
    int stride = dims * 8;
    int width = blocks * 8;
    int b = 0;
    for (; b + 4 <= blocks; b += 4) {
      int o0 = b * stride;
      int r = 0;
      // four vectors at once: each centroid load feeds four FMAs, and sixteen independent sums
      // keep both FMA units busy (four alone wait on the FMA latency)
      for (; r + 4 <= rows; r += 4) {
        int v0 = r * dims;
        FloatVector a0 = FloatVector.zero(F8);
        FloatVector a1 = FloatVector.zero(F8);
        FloatVector a2 = FloatVector.zero(F8);
        FloatVector a3 = FloatVector.zero(F8);
        FloatVector b0 = FloatVector.zero(F8);
        FloatVector b1 = FloatVector.zero(F8);
        FloatVector b2 = FloatVector.zero(F8);
        FloatVector b3 = FloatVector.zero(F8);
        FloatVector c0 = FloatVector.zero(F8);
        FloatVector c1 = FloatVector.zero(F8);
        FloatVector c2 = FloatVector.zero(F8);
        FloatVector c3 = FloatVector.zero(F8);
        FloatVector e0 = FloatVector.zero(F8);
        FloatVector e1 = FloatVector.zero(F8);
        FloatVector e2 = FloatVector.zero(F8);
        FloatVector e3 = FloatVector.zero(F8);
        for (int d = 0, o = o0; d < dims; d++, o += 8) {
          FloatVector k0 = FloatVector.fromArray(F8, blocked, o);
          FloatVector k1 = FloatVector.fromArray(F8, blocked, o + stride);
          FloatVector k2 = FloatVector.fromArray(F8, blocked, o + 2 * stride);
          FloatVector k3 = FloatVector.fromArray(F8, blocked, o + 3 * stride);
          FloatVector x = FloatVector.broadcast(F8, vs[v0 + d]);
          a0 = k0.fma(x, a0);
          a1 = k1.fma(x, a1);
          a2 = k2.fma(x, a2);
          a3 = k3.fma(x, a3);
          x = FloatVector.broadcast(F8, vs[v0 + dims + d]);
          b0 = k0.fma(x, b0);
          b1 = k1.fma(x, b1);
          b2 = k2.fma(x, b2);
          b3 = k3.fma(x, b3);
          x = FloatVector.broadcast(F8, vs[v0 + 2 * dims + d]);
          c0 = k0.fma(x, c0);
          c1 = k1.fma(x, c1);
          c2 = k2.fma(x, c2);
          c3 = k3.fma(x, c3);
          x = FloatVector.broadcast(F8, vs[v0 + 3 * dims + d]);
          e0 = k0.fma(x, e0);
          e1 = k1.fma(x, e1);
          e2 = k2.fma(x, e2);
          e3 = k3.fma(x, e3);
        }
        int at = r * width + b * 8;
        a0.intoArray(out, at);
        a1.intoArray(out, at + 8);
        a2.intoArray(out, at + 16);
        a3.intoArray(out, at + 24);
        at += width;
        b0.intoArray(out, at);
        b1.intoArray(out, at + 8);
        b2.intoArray(out, at + 16);
        b3.intoArray(out, at + 24);
        at += width;
        c0.intoArray(out, at);
        c1.intoArray(out, at + 8);
        c2.intoArray(out, at + 16);
        c3.intoArray(out, at + 24);
        at += width;
        e0.intoArray(out, at);
        e1.intoArray(out, at + 8);
        e2.intoArray(out, at + 16);
        e3.intoArray(out, at + 24);
      }
      for (; r < rows; r++) {
        int v0 = r * dims;
        FloatVector a0 = FloatVector.zero(F8);
        FloatVector a1 = FloatVector.zero(F8);
        FloatVector a2 = FloatVector.zero(F8);
        FloatVector a3 = FloatVector.zero(F8);
        for (int d = 0, o = o0; d < dims; d++, o += 8) {
          FloatVector x = FloatVector.broadcast(F8, vs[v0 + d]);
          a0 = FloatVector.fromArray(F8, blocked, o).fma(x, a0);
          a1 = FloatVector.fromArray(F8, blocked, o + stride).fma(x, a1);
          a2 = FloatVector.fromArray(F8, blocked, o + 2 * stride).fma(x, a2);
          a3 = FloatVector.fromArray(F8, blocked, o + 3 * stride).fma(x, a3);
        }
        int at = r * width + b * 8;
        a0.intoArray(out, at);
        a1.intoArray(out, at + 8);
        a2.intoArray(out, at + 16);
        a3.intoArray(out, at + 24);
      }
    }
    for (; b < blocks; b++) {
      for (int r = 0; r < rows; r++) {
        int v0 = r * dims;
        FloatVector a0 = FloatVector.zero(F8);
        for (int d = 0, o = b * stride; d < dims; d++, o += 8) {
          a0 = FloatVector.fromArray(F8, blocked, o).fma(FloatVector.broadcast(F8, vs[v0 + d]), a0);
        }
        a0.intoArray(out, r * width + b * 8);
      }
    }
  }

  /** {@code q . codes[off, off + n)}, the codes widened to floats eight at a time. */
  static float dotCode(float[] q, byte[] codes, int off, int n) {
    int i = 0;
    FloatVector acc1 = FloatVector.zero(F8);
    FloatVector acc2 = FloatVector.zero(F8);
    for (int bound = n - 16; i <= bound; i += 16) {
      FloatVector c1 = (FloatVector) ByteVector.fromArray(B8, codes, off + i)
          .convertShape(VectorOperators.B2F, F8, 0);
      FloatVector c2 = (FloatVector) ByteVector.fromArray(B8, codes, off + i + 8)
          .convertShape(VectorOperators.B2F, F8, 0);
      acc1 = c1.fma(FloatVector.fromArray(F8, q, i), acc1);
      acc2 = c2.fma(FloatVector.fromArray(F8, q, i + 8), acc2);
    }
    float sum = acc1.add(acc2).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += q[i] * codes[off + i];
    }
    return sum;
  }
}
