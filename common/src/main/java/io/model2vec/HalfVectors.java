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
 * F32 ones. Two exact decodings, both bit-identical to the scalar path (EmbeddingTableTest):
 *
 * <ul>
 *   <li>{@link #decode}, for rows without subnormal halves: each half widened to an int, its
 *       sign/exponent/mantissa moved to float position, the float rescaled by 2^112 (four
 *       operations);
 *   <li>{@link #decodeSubnormals}, for the rows that have some: a normal half becomes a float by
 *       integer operations alone, a subnormal one as its mantissa times 2^-24, so that no step
 *       holds a subnormal float. On x86 an operation on a subnormal float takes a microcode
 *       assist of ~100 cycles; a trained table has enough subnormal halves in frequent rows to
 *       make pooling 20% slower with the first decoding alone.
 * </ul>
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

  /** The floats of {@code h[j .. j + lanes())}; slow where a half is subnormal. */
  private static FloatVector decode(short[] h, int j) {
    IntVector x = (IntVector) ShortVector.fromArray(SHORTS, h, j)
        .convertShape(VectorOperators.S2I, INTS, 0);
    IntVector bits = x.and(0x8000).lanewise(VectorOperators.LSHL, 16)
        .or(x.and(0x7fff).lanewise(VectorOperators.LSHL, 13));
    return bits.reinterpretAsFloats().mul(0x1p112f);
  }

  /** The floats of {@code h[j .. j + lanes())}, without subnormal floats on the way. */
  private static FloatVector decodeSubnormals(short[] h, int j) {
    IntVector x = (IntVector) ShortVector.fromArray(SHORTS, h, j)
        .convertShape(VectorOperators.S2I, INTS, 0);
    IntVector magnitude = x.and(0x7fff);
    IntVector normal = magnitude.lanewise(VectorOperators.LSHL, 13).add((127 - 15) << 23);
    IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0))
        .mul(0x1p-24f).reinterpretAsInts();
    IntVector bits = normal.blend(subnormal, magnitude.compare(VectorOperators.LT, 0x0400))
        .or(x.and(0x8000).lanewise(VectorOperators.LSHL, 16));
    return bits.reinterpretAsFloats();
  }

  /**
   * {@code acc[j] += decode(t[rows[r]][j])} for {@code r < n}, {@code j < dims}: row after row,
   * so every acc[j] sees the same float additions in the same order as the scalar loop.
   */
  static void addRows(float[] acc, short[][] t, boolean[] subnormalRows, int[] rows, int n,
      int dims, float[] decode) {
    int vectorEnd = dims - dims % LANES;
    for (int r = 0; r < n; r++) {
      short[] h = t[rows[r]];
      if (subnormalRows[rows[r]]) {
        for (int j = 0; j < vectorEnd; j += LANES) {
          FloatVector.fromArray(FLOATS, acc, j).add(decodeSubnormals(h, j)).intoArray(acc, j);
        }
      } else {
        for (int j = 0; j < vectorEnd; j += LANES) {
          FloatVector.fromArray(FLOATS, acc, j).add(decode(h, j)).intoArray(acc, j);
        }
      }
      for (int j = vectorEnd; j < dims; j++) {
        acc[j] += decode[h[j] & 0xffff];
      }
    }
  }

  /**
   * The decoding of {@code halves} by both decodings, for the self-check before first use and the
   * tests: NaN where the two disagree.
   */
  static float[] decodeAll(short[] halves) {
    float[] out = new float[halves.length];
    for (int j = 0; j + LANES <= halves.length; j += LANES) {
      FloatVector a = decode(halves, j);
      FloatVector b = decodeSubnormals(halves, j);
      a.blend(Float.NaN, a.reinterpretAsInts().compare(VectorOperators.NE, b.reinterpretAsInts())
          .cast(FLOATS)).intoArray(out, j);
    }
    return out;
  }
}
