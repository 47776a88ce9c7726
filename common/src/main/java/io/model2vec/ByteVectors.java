package io.model2vec;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * I8 pooling with the Vector API: each group of int8 values widened to floats (exact) and added,
 * four rows per pass, as {@link HalfVectors} does for F16. An int8 row is a quarter of an F32
 * row's bytes, so a wide I8 table costs less memory traffic per token than a narrower F16 one.
 *
 * <p>Only touched when {@code jdk.incubator.vector} is in the boot layer: see
 * {@link EmbeddingTable.I8}. Nothing else in the library refers to this class.
 */
final class ByteVectors {
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  /** As many bytes as FLOATS has lanes: a quarter of its bit size. */
  private static final VectorSpecies<Byte> BYTES =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(FLOATS.vectorBitSize() / 4));
  private static final VectorSpecies<Integer> INTS =
      VectorSpecies.of(int.class, VectorShape.forBitSize(FLOATS.vectorBitSize()));
  private static final int LANES = FLOATS.length();

  private ByteVectors() {}

  /** Lanes per vector: 16 with AVX-512, 8 with AVX2. */
  static int lanes() {
    return LANES;
  }

  /** The ints of {@code v[at .. at + lanes())}. */
  private static IntVector ints(byte[] v, int at) {
    return (IntVector) ByteVector.fromArray(BYTES, v, at)
        .convertShape(VectorOperators.B2I, INTS, 0);
  }

  /** The floats of {@code v[at .. at + lanes())}. */
  private static FloatVector widen(byte[] v, int at) {
    return (FloatVector) ByteVector.fromArray(BYTES, v, at)
        .convertShape(VectorOperators.B2F, FLOATS, 0);
  }

  /**
   * {@code acc[j] += v[rows[r] * columns + j]} for {@code r < n} and the whole vectors of
   * {@code j < dims}, four rows summed as ints and then added as one float: the same bits as
   * adding one row after the other from a zeroed {@code acc}, since every sum is a whole number
   * float holds exactly (up to {@link EmbeddingTable.I8#EXACT_FLOAT_ROWS} rows). Returns where
   * the columns it left to the scalar loop begin ({@code dims} rounded down to whole vectors).
   */
  static int addRows(float[] acc, byte[] v, int columns, int[] rows, int n, int dims) {
    int vectorEnd = dims - dims % LANES;
    int r = 0;
    for (; r + 4 <= n; r += 4) {
      int o0 = rows[r] * columns;
      int o1 = rows[r + 1] * columns;
      int o2 = rows[r + 2] * columns;
      int o3 = rows[r + 3] * columns;
      for (int j = 0; j < vectorEnd; j += LANES) {
        IntVector sum = ints(v, o0 + j).add(ints(v, o1 + j)).add(ints(v, o2 + j))
            .add(ints(v, o3 + j));
        FloatVector.fromArray(FLOATS, acc, j)
            .add(sum.convert(VectorOperators.I2F, 0)).intoArray(acc, j);
      }
    }
    for (; r < n; r++) {
      int o = rows[r] * columns;
      for (int j = 0; j < vectorEnd; j += LANES) {
        FloatVector.fromArray(FLOATS, acc, j).add(widen(v, o + j)).intoArray(acc, j);
      }
    }
    return vectorEnd;
  }

  /** The floats of {@code codes} (whole vectors of them), for the self-check and the tests. */
  static float[] widenAll(byte[] codes) {
    float[] out = new float[codes.length];
    for (int j = 0; j + LANES <= codes.length; j += LANES) {
      widen(codes, j).intoArray(out, j);
    }
    return out;
  }
}
