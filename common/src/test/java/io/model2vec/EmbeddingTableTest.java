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
  void f16RowsPerPassAreBitIdenticalToOneRowAtATime() {
    Random rnd = new Random(11);
    short[][] v = new short[ROWS][COLS];
    for (short[] row : v) {
      for (int j = 0; j < COLS; j++) {
        // every finite half, subnormals and both zeros included
        row[j] = (short) (rnd.nextInt(0x7c00) | (rnd.nextBoolean() ? 0x8000 : 0));
      }
    }
    EmbeddingTable t = new EmbeddingTable.F16(ROWS, COLS, v);
    assertSameAsOneRowAtATime(t, rnd);
    assertThat(t.get(3, 5)).isEqualTo(EmbeddingTable.F16.halfToFloat(v[3][5]));
    assertThat(t.bytes()).isEqualTo(2L * ROWS * COLS);
  }

  private static void assertSameAsOneRowAtATime(EmbeddingTable t, Random rnd) {
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
          t.addRows(actual, rows.clone(), s, n, dims);
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
