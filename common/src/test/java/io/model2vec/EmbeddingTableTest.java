package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pooling loops that take several rows per pass must give the same bits as adding one row at
 * a time (the order of float additions per value is part of the parity contract).
 */
class EmbeddingTableTest {
  private static final int ROWS = 97;
  private static final int COLS = 37;

  @Test
  void f32RowsPerPassAreBitIdenticalToOneRowAtATime() {
    Random rnd = new Random(7);
    float[][] v = new float[ROWS][COLS];
    for (float[] row : v) {
      for (int j = 0; j < COLS; j++) {
        row[j] = (float) rnd.nextGaussian() * 1e3f;
      }
    }
    assertSameAsOneRowAtATime(new EmbeddingTable.F32(ROWS, COLS, v), rnd);
  }

  @Test
  void f32WeightedRowsInDoubleAreBitIdenticalToOneRowAtATime() {
    Random rnd = new Random(9);
    float[][] v = new float[ROWS][COLS];
    for (float[] row : v) {
      for (int j = 0; j < COLS; j++) {
        row[j] = (float) rnd.nextGaussian() * 1e3f;
      }
    }
    EmbeddingTable t = new EmbeddingTable.F32(ROWS, COLS, v);
    for (int n = 0; n <= 21; n++) {
      for (int dims : new int[] {COLS, 16, 1}) {
        int[] rows = new int[n];
        double[] scales = new double[n];
        for (int r = 0; r < n; r++) {
          rows[r] = rnd.nextInt(ROWS);
          scales[r] = rnd.nextDouble() * 3 - 1;
        }
        for (double[] s : new double[][] {null, scales}) {
          double[] expected = new double[COLS];
          for (int r = 0; r < n; r++) {
            t.addTo(expected, rows[r], s == null ? 1.0 : s[r], dims);
          }
          double[] actual = new double[COLS];
          t.addRows(actual, rows.clone(), s, n, dims);
          for (int j = 0; j < COLS; j++) {
            assertThat(Double.doubleToRawLongBits(actual[j]))
                .as("n=%d dims=%d scales=%s column %d", n, dims, s != null, j)
                .isEqualTo(Double.doubleToRawLongBits(expected[j]));
          }
        }
      }
    }
  }

  @Test
  void f16RowsPerPassAreBitIdenticalToOneRowAtATime() {
    // three tables: with subnormal halves (held rebased), without (held as they are), and with
    // both subnormals and values of 128 and more (as they are: no shift fits both)
    for (int kind = 0; kind < 3; kind++) {
      Random rnd = new Random(11 + kind);
      short[][] halves = new short[ROWS][COLS];
      for (int r = 0; r < ROWS; r++) {
        for (int j = 0; j < COLS; j++) {
          // finite halves, subnormals and both zeros included, below 128 unless kind 2
          int h = rnd.nextInt(kind == 2 ? 0x7c00 : 0x5800);
          if (kind == 1 && h < 0x0400) {
            h = 0;
          }
          halves[r][j] = (short) (h | (rnd.nextBoolean() ? 0x8000 : 0));
        }
      }
      short[][] held = new short[ROWS][];
      for (int r = 0; r < ROWS; r++) {
        held[r] = halves[r].clone();
      }
      EmbeddingTable.F16 t = new EmbeddingTable.F16(ROWS, COLS, held);
      assertThat(t.rebased()).as("table %d rebased", kind).isEqualTo(kind == 0);
      for (int r = 0; r < ROWS; r++) {
        for (int j = 0; j < COLS; j++) {
          assertThat(Float.floatToRawIntBits(t.get(r, j))).as("table %d [%d][%d]", kind, r, j)
              .isEqualTo(Float.floatToRawIntBits(EmbeddingTable.F16.halfToFloat(halves[r][j])));
        }
      }
      // enough rounds for C2 to compile the vector loop, whose sums are the ones that count
      for (int round = 0; round < 60; round++) {
        assertSameAsOneRowAtATime(t, rnd);
      }
      // the scalar loop too, when addRows took the Vector API
      assertSameAsOneRowAtATime(t, rnd,
          unweightedBy(t, (acc, rows, scales, n, dims) -> t.addRowsScalar(acc, rows, n, dims)));
      assertThat(t.bytes()).isEqualTo(2L * ROWS * COLS);
    }
  }

  @Test
  void everyFiniteHalfDecodesAlikeThroughTheCompiledVectorCode() {
    if (!vectorUsable()) {
      return; // f16PoolsWithTheVectorApiWhenItIsThere asserts the scalar loop then
    }
    for (int shift : new int[] {0, EmbeddingTable.F16.SUBNORMAL_SHIFT}) {
      short[] halves = new short[63488 + 16];
      int n = 0;
      for (int i = 0; i < 1 << 16; i++) {
        // NaN and infinities are refused at load; a rebased table holds no larger values
        if ((i & 0x7c00) != 0x7c00 && EmbeddingTable.F16.rebasable((short) i, shift)) {
          halves[n++] = (short) i;
        }
      }
      short[] codes = new short[halves.length];
      for (int i = 0; i < n; i++) {
        codes[i] = EmbeddingTable.F16.rebase(halves[i], shift);
      }
      // enough rounds for C2 to compile decodeAll: the run-time self-check only samples halves
      for (int round = 0; round < 60; round++) {
        float[] got = HalfVectors.decodeAll(codes, Math.scalb(1f, 112 - shift));
        for (int i = 0; i < n; i++) {
          if (Float.floatToRawIntBits(got[i])
              != Float.floatToRawIntBits(EmbeddingTable.F16.halfToFloat(halves[i]))) {
            throw new AssertionError(String.format("half 0x%04x (shift %d) decoded to %s in round"
                + " %d", halves[i] & 0xffff, shift, got[i], round));
          }
        }
      }
    }
    assertThat(EmbeddingTable.F16.vectorCheckSample(HalfVectors.lanes()))
        .hasSizeGreaterThan(2 * 1024);
  }

  private static boolean vectorUsable() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
        && HalfVectors.lanes() >= 8;
  }

  @Test
  void f16PoolsWithTheVectorApiWhenItIsThere() {
    // the build's test JVMs run with --add-modules=jdk.incubator.vector (as Spark 4's do): the
    // vectorized loop is then the one the tests above checked
    EmbeddingTable t = new EmbeddingTable.F16(1, 1, new short[1][1]);
    if (vectorUsable()) {
      assertThat(t.pooling()).startsWith("jdk.incubator.vector");
    } else {
      assertThat(t.pooling()).startsWith("scalar");
    }
  }

  @Test
  void i8RowsPerPassAreBitIdenticalToOneRowAtATime() {
    Random rnd = new Random(13);
    byte[] v = new byte[ROWS * COLS];
    rnd.nextBytes(v);
    v[0] = Byte.MIN_VALUE; // -128 is not written by a quantizer, but a table may hold it
    EmbeddingTable.I8 t = new EmbeddingTable.I8(ROWS, COLS, v);
    for (int round = 0; round < 60; round++) {
      assertSameAsOneRowAtATime(t, rnd);
    }
    assertSameAsOneRowAtATime(t, rnd,
        unweightedBy(t, (acc, rows, scales, n, dims) -> t.addRowsScalar(acc, rows, n, 0, dims)));
    assertThat(t.bytes()).isEqualTo((long) ROWS * COLS);
    assertThat(t.get(0, 0)).isEqualTo(-128f);
    assertThat(t.poolsInDouble(false)).as("unweighted: exact sums in float").isFalse();
    assertThat(t.poolsInDouble(true)).as("weighted: in double, as numpy").isTrue();
    if (vectorUsable()) {
      assertThat(t.pooling()).startsWith("jdk.incubator.vector");
      byte[] all = new byte[256];
      for (int i = 0; i < all.length; i++) {
        all[i] = (byte) i;
      }
      // enough rounds for C2 to compile the widening the run-time self-check ran interpreted
      for (int round = 0; round < 60; round++) {
        float[] got = ByteVectors.widenAll(all);
        for (int i = 0; i < all.length; i++) {
          assertThat(got[i]).as("int8 %d in round %d", all[i], round).isEqualTo(all[i]);
        }
      }
    } else {
      assertThat(t.pooling()).startsWith("scalar");
    }
  }

  @Test
  void i8SumsInFloatAreExactUpToTheirLimit() {
    // the largest sum of the float path, every row at -128: -2^24, still a float integer
    int n = EmbeddingTable.I8.EXACT_FLOAT_ROWS;
    byte[] v = new byte[2 * 8];
    java.util.Arrays.fill(v, 0, 8, (byte) -128);
    java.util.Arrays.fill(v, 8, 16, (byte) 1);
    EmbeddingTable.I8 t = new EmbeddingTable.I8(2, 8, v);
    int[] rows = new int[n];
    float[] acc = new float[8];
    t.addRows(acc, rows, null, n, 8);
    assertThat((double) acc[0]).isEqualTo(-128.0 * n).isEqualTo(-0x1p24);
    // one row of +1 after them: the float sum moves by exactly 1
    int[] more = java.util.Arrays.copyOf(rows, n + 1);
    more[n] = 1;
    float[] acc2 = new float[8];
    t.addRows(acc2, more, null, n + 1, 8);
    assertThat((double) acc2[7]).isEqualTo(-128.0 * n + 1);
  }

  interface Adder {
    void addRows(float[] acc, int[] rows, float[] scales, int n, int dims);
  }

  /** {@code scalar} for unweighted rows, the table's own addRows for weighted ones. */
  private static Adder unweightedBy(EmbeddingTable t, Adder scalar) {
    return (acc, rows, scales, n, dims) -> {
      if (scales != null) {
        t.addRows(acc, rows, scales, n, dims);
      } else {
        scalar.addRows(acc, rows, null, n, dims);
      }
    };
  }

  private static void assertSameAsOneRowAtATime(EmbeddingTable t, Random rnd) {
    assertSameAsOneRowAtATime(t, rnd, t::addRows);
  }

  private static void assertSameAsOneRowAtATime(EmbeddingTable t, Random rnd, Adder adder) {
    for (int n = 0; n <= 21; n++) {
      for (int dims : new int[] {COLS, 16, 1}) {
        int[] rows = new int[n];
        float[] scales = new float[n];
        for (int r = 0; r < n; r++) {
          rows[r] = rnd.nextInt(ROWS);
          scales[r] = rnd.nextFloat();
        }
        for (float[] s : new float[][] {null, scales}) {
          float[] expected = new float[COLS];
          for (int r = 0; r < n; r++) {
            t.addTo(expected, rows[r], s == null ? 1f : s[r], dims);
          }
          float[] actual = new float[COLS];
          adder.addRows(actual, rows.clone(), s, n, dims);
          for (int j = 0; j < COLS; j++) {
            assertThat(Float.floatToRawIntBits(actual[j]))
                .as("n=%d dims=%d scales=%s column %d", n, dims, s != null, j)
                .isEqualTo(Float.floatToRawIntBits(expected[j]));
          }
        }
      }
    }
  }
}
