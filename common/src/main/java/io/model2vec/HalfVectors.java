package io.model2vec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * F16 pooling with the Vector API: C2 on JDK 17 does not auto-vectorize a short-to-float loop,
 * and the scalar decode (a 65,536-entry lookup per value) made F16 tables pool ~4x slower than
 * F32 ones. The decoding, bit-identical to the scalar path (EmbeddingTableTest): each code
 * sign-extended to an int and shifted left by 13 (exponent and mantissa land in float position,
 * the sign fills bits 28 to 31), bits 28 to 30 cleared, the float rescaled by {@code 2^(112 -
 * shift)} (see {@link EmbeddingTable.F16}: a table with subnormal halves holds them rebased, so
 * that no step meets a subnormal float).
 *
 * <p>Rows are added four per pass: one load and one store of the sums per four rows, and four
 * rows' loads in flight at once. A short text's rows come from all over a table larger than the
 * core's L2 cache, and pooling is about a third of its encode time.
 *
 * <p>Only touched when {@code jdk.incubator.vector} is in the boot layer
 * ({@code --add-modules=jdk.incubator.vector}, which Spark 4's launcher passes to the JVMs it
 * starts): see {@link EmbeddingTable.F16}. Nothing else in the library refers to this class.
 */
final class HalfVectors {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  /** As many shorts as FLOATS has lanes: half its bit size. */
  private static final VectorSpecies<Short> SHORTS =
      VectorSpecies.of(short.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 2));
  private static final VectorSpecies<Integer> INTS =
      VectorSpecies.of(int.class, VectorShape.forBitSize(FLOATS.vectorBitSize()));
  private static final int LANES = FLOATS.length();

  private HalfVectors() {}

  /** Lanes per vector: 16 with AVX-512, 8 with AVX2; fewer is not worth it. */
  static int lanes() {
    return LANES;
  }

  /** The floats of the codes {@code h[j .. j + lanes())}. */
  private static FloatVector decode(short[] h, int j, float scale) {
    IntVector x = (IntVector) ShortVector.fromArray(SHORTS, h, j)
        .convertShape(VectorOperators.S2I, INTS, 0);
    return x.lanewise(VectorOperators.LSHL, 13).and(0x8fffffff).reinterpretAsFloats().mul(scale);
  }

  /**
   * {@code acc[j] += decode(t[rows[r]][j])} for {@code r < n}, {@code j < dims}: every acc[j] sees
   * the same float additions in the same order as in the scalar loop, one row after the other.
   */
  static void addRows(float[] acc, short[][] t, int[] rows, int n, int dims, float scale,
      float[] decode) {
    int vectorEnd = dims - dims % LANES;
    int r = 0;
    for (; r + 4 <= n; r += 4) {
      short[] h0 = t[rows[r]];
      short[] h1 = t[rows[r + 1]];
      short[] h2 = t[rows[r + 2]];
      short[] h3 = t[rows[r + 3]];
      for (int j = 0; j < vectorEnd; j += LANES) {
        FloatVector.fromArray(FLOATS, acc, j).add(decode(h0, j, scale))
            .add(decode(h1, j, scale)).add(decode(h2, j, scale)).add(decode(h3, j, scale))
            .intoArray(acc, j);
      }
      for (int j = vectorEnd; j < dims; j++) {
        acc[j] = acc[j] + decode[h0[j] & 0xffff] + decode[h1[j] & 0xffff]
            + decode[h2[j] & 0xffff] + decode[h3[j] & 0xffff];
      }
    }
    for (; r < n; r++) {
      short[] h = t[rows[r]];
      for (int j = 0; j < vectorEnd; j += LANES) {
        FloatVector.fromArray(FLOATS, acc, j).add(decode(h, j, scale)).intoArray(acc, j);
      }
      for (int j = vectorEnd; j < dims; j++) {
        acc[j] += decode[h[j] & 0xffff];
      }
    }
  }

  /** The floats of {@code codes} (whole vectors of them), for the self-check and the tests. */
  static float[] decodeAll(short[] codes, float scale) {
    float[] out = new float[codes.length];
    for (int j = 0; j + LANES <= codes.length; j += LANES) {
      decode(codes, j, scale).intoArray(out, j);
    }
    return out;
  }
}
