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
    return dot(a, 0, b, bOff, n);
  }

  /**
   * {@code out[c] = v . centroid c} for every centroid, from centroids laid out in blocks of 8
   * ({@code blocked[(c / 8) * dims * 8 + d * 8 + c % 8]}): one broadcast of {@code v[d]} and one
   * FMA per block and dimension, four blocks at a time, and no horizontal sums.
   */
  static void scores(float[] v, float[] blocked, int blocks, float[] out) {
    scoresBatch(v, 1, v.length, v.length, blocked, blocks, out);
  }

  /**
   * {@link #scores} of {@code rows} vectors at once ({@code vs[r * dims + d]}, results at {@code
   * out[r * blocks * 8 + c]}): four blocks of centroids (32 KB at 256 dimensions) are scored
   * against every vector before the next four are read, so the centroids stream from memory
   * once a batch instead of once a vector. Only the first {@code depth} dimensions are scored
   * (all of them when {@code depth == dims}): the partial scores of a pruned assignment.
   */
  static void scoresBatch(float[] vs, int rows, int dims, int depth, float[] blocked, int blocks,
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
        for (int d = 0, o = o0; d < depth; d++, o += 8) {
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
        for (int d = 0, o = o0; d < depth; d++, o += 8) {
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
        for (int d = 0, o = b * stride; d < depth; d++, o += 8) {
          a0 = FloatVector.fromArray(F8, blocked, o).fma(FloatVector.broadcast(F8, vs[v0 + d]), a0);
        }
        a0.intoArray(out, r * width + b * 8);
      }
    }
  }

  /** {@code |v[off, off + n)|^2}. */
  static float squaredNorm(float[] v, int off, int n) {
    int i = 0;
    FloatVector acc = FloatVector.zero(F8);
    for (int bound = n - 8; i <= bound; i += 8) {
      FloatVector x = FloatVector.fromArray(F8, v, off + i);
      acc = x.fma(x, acc);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += v[off + i] * v[off + i];
    }
    return sum;
  }

  /** {@code a[aOff, aOff + n) . b[bOff, bOff + n)}. */
  static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    int i = 0;
    FloatVector acc1 = FloatVector.zero(F8);
    FloatVector acc2 = FloatVector.zero(F8);
    for (int bound = n - 16; i <= bound; i += 16) {
      acc1 = FloatVector.fromArray(F8, a, aOff + i).fma(FloatVector.fromArray(F8, b, bOff + i), acc1);
      acc2 = FloatVector.fromArray(F8, a, aOff + i + 8)
          .fma(FloatVector.fromArray(F8, b, bOff + i + 8), acc2);
    }
    float sum = acc1.add(acc2).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  /** The first {@code c < lists} with the largest {@code scores[base + c]}. */
  static int argmax(float[] scores, int base, int lists) {
    int c = 0;
    FloatVector max = FloatVector.broadcast(F8, Float.NEGATIVE_INFINITY);
    for (int bound = lists - 8; c <= bound; c += 8) {
      max = max.max(FloatVector.fromArray(F8, scores, base + c));
    }
    float best = max.reduceLanes(VectorOperators.MAX);
    for (; c < lists; c++) {
      best = Math.max(best, scores[base + c]);
    }
    c = 0;
    for (int bound = lists - 8; c <= bound; c += 8) {
      // anyTrue, not toLong: only the former compiles to one instruction on Java 17
      if (FloatVector.fromArray(F8, scores, base + c).compare(VectorOperators.EQ, best)
          .anyTrue()) {
        break;
      }
    }
    for (; c < lists; c++) {
      if (scores[base + c] == best) {
        return c;
      }
    }
    return 0; // NaN scores: what the scalar loop returns too
  }

  /**
   * The nearest of {@code lists} centroids to row {@code vs[vo, vo + dims)}, given the partial
   * scores of its first {@code head} dimensions at {@code partial[base + c]}: starting from the
   * best partial score completed, only the centroids whose Cauchy-Schwarz bound {@code partial +
   * |row tail| |centroid tail|} can still beat the best are completed (the rest of the
   * dimensions, from {@code flat}). Exact: the same centroid as scoring every dimension, up to
   * float rounding, which {@code slack} (relative to the row's norm) covers.
   */
  static int refine(float[] partial, int base, int lists, float[] tailNorms, float[] vs, int vo,
      int dims, int head, float[] flat, int best, float slack, int[] candidates) {
    int tailDims = dims - head;
    float tailSquared = squaredNorm(vs, vo + head, tailDims);
    float rowTail = (float) Math.sqrt(tailSquared);
    slack *= (float) Math.sqrt(squaredNorm(vs, vo, head) + tailSquared);
    float bestScore = partial[base + best] + dot(vs, vo + head, flat, best * dims + head, tailDims);
    float bar = bestScore - slack;
    // the centroids still in the running, gathered first: the bound's pass stays a tight vector
    // loop, and the completions a tight loop of dot products
    int n = 0;
    FloatVector tail = FloatVector.broadcast(F8, rowTail);
    int c = 0;
    for (int bound = lists - 8; c <= bound; c += 8) {
      FloatVector ub = FloatVector.fromArray(F8, tailNorms, c)
          .fma(tail, FloatVector.fromArray(F8, partial, base + c));
      // anyTrue, not toLong: only the former compiles to one instruction on Java 17
      if (ub.compare(VectorOperators.GT, bar).anyTrue()) {
        for (int k = c; k < c + 8; k++) {
          if (k != best && partial[base + k] + rowTail * tailNorms[k] > bar) {
            candidates[n++] = k;
          }
        }
      }
    }
    for (; c < lists; c++) {
      if (c != best && partial[base + c] + rowTail * tailNorms[c] > bar) {
        candidates[n++] = c;
      }
    }
    for (int i = 0; i < n; i++) {
      int k = candidates[i];
      float s = partial[base + k] + dot(vs, vo + head, flat, k * dims + head, tailDims);
      if (s > bestScore || (s == bestScore && k < best)) {
        bestScore = s;
        best = k;
      }
    }
    return best;
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
