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
 * F32 ones. Each half is widened to an int, its sign/exponent/mantissa moved to float position,
 * and the float rescaled by 2^112: exact for every finite half, subnormals included (a power-of-
 * two scaling of a value that is a normal float afterwards), so the sums are bit-identical to
 * the scalar path (EmbeddingTableTest).
 *
 * <p>Only touched when {@code jdk.incubator.vector} is in the boot layer
 * ({@code --add-modules=jdk.incubator.vector}, which Spark 4's launcher passes to the JVMs it
 * starts): see
 * {@link EmbeddingTable.F16}. Nothing else in the library refers to this class.
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

  /** The floats of {@code h[j .. j + lanes())}. */
  private static FloatVector decode(short[] h, int j) {
    IntVector x = (IntVector) ShortVector.fromArray(SHORTS, h, j)
        .convertShape(VectorOperators.S2I, INTS, 0);
    IntVector bits = x.and(0x8000).lanewise(VectorOperators.LSHL, 16)
        .or(x.and(0x7fff).lanewise(VectorOperators.LSHL, 13));
    return bits.reinterpretAsFloats().mul(0x1p112f);
  }

  /**
   * {@code acc[j] += decode(t[rows[r]][j])} for {@code r < n}, {@code j < dims}: row after row,
   * so every acc[j] sees the same float additions in the same order as the scalar loop.
   */
  static void addRows(float[] acc, short[][] t, int[] rows, int n, int dims, float[] decode) {
    int vectorEnd = dims - dims % LANES;
    for (int r = 0; r < n; r++) {
      short[] h = t[rows[r]];
      for (int j = 0; j < vectorEnd; j += LANES) {
        FloatVector.fromArray(FLOATS, acc, j).add(decode(h, j)).intoArray(acc, j);
      }
      for (int j = vectorEnd; j < dims; j++) {
        acc[j] += decode[h[j] & 0xffff];
      }
    }
  }

  /** The decoding of every finite half, for the self-check before first use. */
  static float[] decodeAll(short[] halves) {
    float[] out = new float[halves.length];
    for (int j = 0; j + LANES <= halves.length; j += LANES) {
      decode(halves, j).intoArray(out, j);
    }
    return out;
  }
}
