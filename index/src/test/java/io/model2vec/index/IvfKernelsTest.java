package io.model2vec.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class IvfKernelsTest {
  @Test
  void aBatchIsAssignedToTheListsOneVectorAtATimeGets() {
    Random rnd = new Random(3);
    // 1,003 lists: 125 full blocks of 8 (groups of 4 and a rest) and a partial block
    for (int[] shape : new int[][] {{1003, 256}, {5, 37}, {64, 16}}) {
      int lists = shape[0];
      int dims = shape[1];
      float[] flat = new float[lists * dims];
      for (int i = 0; i < flat.length; i++) {
        flat[i] = (float) rnd.nextGaussian();
      }
      IvfKernels.Centroids c = new IvfKernels.Centroids(flat, dims);
      float[] scratch = c.scratch();
      IvfKernels.Centroids.BatchScratch batchScratch = c.batchScratch();
      for (int rows : new int[] {IvfKernels.Centroids.BATCH, 7, 1, 0}) {
        float[] vs = new float[IvfKernels.Centroids.BATCH * dims];
        for (int i = 0; i < rows * dims; i++) {
          vs[i] = (float) rnd.nextGaussian();
        }
        int[] got = new int[IvfKernels.Centroids.BATCH];
        java.util.Arrays.fill(got, -1);
        c.nearestBatch(vs, rows, got, batchScratch);
        for (int r = 0; r < rows; r++) {
          float[] v = java.util.Arrays.copyOfRange(vs, r * dims, (r + 1) * dims);
          assertThat(got[r]).as("row %d of %d, %d lists", r, rows, lists)
              .isEqualTo(c.nearest(v, scratch));
        }
        if (rows < IvfKernels.Centroids.BATCH) {
          assertThat(got[rows]).as("past the batch").isEqualTo(-1);
        }
      }
    }
  }

  @Test
  void thePrunedAssignmentFindsTheExactNearestCentroid() {
    // rows and centroids with the variance of a model2vec model: falling with the dimension
    // (PCA order), so most centroids drop out after the first half; the bound must never drop
    // the nearest, including near-ties (a centroid and a slightly moved copy of it)
    Random rnd = new Random(11);
    int lists = 1000;
    int dims = 256;
    float[] flat = new float[lists * dims];
    for (int c = 0; c < lists; c++) {
      if (c % 10 == 9) {
        for (int d = 0; d < dims; d++) {
          flat[c * dims + d] = flat[(c - 1) * dims + d] + (float) (rnd.nextGaussian() * 1e-4);
        }
      } else {
        for (int d = 0; d < dims; d++) {
          flat[c * dims + d] = (float) (rnd.nextGaussian() * Math.exp(-d / 60.0));
        }
      }
      normalize(flat, c * dims, dims);
    }
    IvfKernels.Centroids c = new IvfKernels.Centroids(flat, dims);
    assertThat(c.head).as("pruned at 256 dimensions").isEqualTo(128);
    IvfKernels.Centroids.BatchScratch scratch = c.batchScratch();
    int exactlyBest = 0;
    for (int batch = 0; batch < 100; batch++) {
      float[] vs = new float[IvfKernels.Centroids.BATCH * dims];
      for (int r = 0; r < IvfKernels.Centroids.BATCH; r++) {
        int near = rnd.nextInt(lists);
        for (int d = 0; d < dims; d++) { // a row near a centroid, as rows of a list are
          vs[r * dims + d] = flat[near * dims + d]
              + (float) (rnd.nextGaussian() * 0.5 * Math.exp(-d / 60.0));
        }
        normalize(vs, r * dims, dims);
      }
      int[] got = new int[IvfKernels.Centroids.BATCH];
      c.nearestBatch(vs, IvfKernels.Centroids.BATCH, got, scratch);
      for (int r = 0; r < IvfKernels.Centroids.BATCH; r++) {
        double[] exact = new double[lists];
        int best = 0;
        for (int l = 0; l < lists; l++) {
          for (int d = 0; d < dims; d++) {
            exact[l] += (double) vs[r * dims + d] * flat[l * dims + d];
          }
          best = exact[l] > exact[best] ? l : best;
        }
        // the same centroid, or one whose exact score ties it within float rounding
        assertThat(exact[got[r]]).as("batch %d row %d: list %d for %d", batch, r, got[r], best)
            .isCloseTo(exact[best], org.assertj.core.data.Offset.offset(1e-6));
        exactlyBest += got[r] == best ? 1 : 0;
      }
    }
    assertThat(exactlyBest).as("rows given exactly the best list").isGreaterThan(3100);
  }

  private static void normalize(float[] v, int off, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) v[off + i] * v[off + i];
    }
    for (int i = 0; i < n; i++) {
      v[off + i] /= (float) Math.sqrt(s);
    }
  }

  @Test
  void theVectorBatchKernelScoresAsTheScalarLoop() {
    assertThat(IvfKernels.VECTOR).as("the tests run with the Vector API").isTrue();
    Random rnd = new Random(5);
    int lists = 203;
    int dims = 40;
    float[] flat = new float[lists * dims];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = (float) rnd.nextGaussian();
    }
    IvfKernels.Centroids c = new IvfKernels.Centroids(flat, dims);
    int rows = 9;
    float[] vs = new float[rows * dims];
    for (int i = 0; i < vs.length; i++) {
      vs[i] = (float) rnd.nextGaussian();
    }
    float[] out = new float[rows * c.blocks * 8];
    PanamaIvf.scoresBatch(vs, rows, dims, dims, c.blocked, c.blocks, out);
    for (int r = 0; r < rows; r++) {
      for (int l = 0; l < lists; l++) {
        double exact = 0;
        for (int d = 0; d < dims; d++) {
          exact += (double) vs[r * dims + d] * flat[l * dims + d];
        }
        assertThat((double) out[r * c.blocks * 8 + l]).as("row %d, list %d", r, l)
            .isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-3));
      }
    }
  }

  @Test
  void signScoresAreTheSumOfTheQueryWhereTheRowIsPositiveInBothKernels() {
    Random rnd = new Random(11);
    int dims = 256;
    int words = 4;
    int rows = 50;
    long[] signs = new long[rows * words];
    int[] positives = new int[rows];
    for (int i = 0; i < signs.length; i++) {
      signs[i] = rnd.nextLong();
      positives[i / words] += Long.bitCount(signs[i]);
    }
    int[] q4 = new int[dims]; // the query's values in [-7, 7], as 4 bit planes of q4 + 7
    long[] planes = new long[4 * words];
    for (int i = 0; i < dims; i++) {
      q4[i] = rnd.nextInt(15) - 7;
      for (int j = 0; j < 4; j++) {
        if ((q4[i] + 7 >>> j & 1) != 0) {
          planes[j * words + i / 64] |= 1L << (i % 64);
        }
      }
    }
    int offset = 7 * dims;
    int[] generic = new int[rows + 3];
    int[] four = new int[rows + 3];
    int[] hist = new int[2 * offset + 1];
    int[] hist4 = new int[2 * offset + 1];
    IvfKernels.signScores(signs, positives, rows, words, planes, offset, generic, 3, hist);
    IvfKernels.signScores4(signs, positives, rows, planes, offset, four, 3, hist4);
    for (int r = 0; r < rows; r++) {
      int expected = offset;
      for (int i = 0; i < dims; i++) {
        if ((signs[r * words + i / 64] >>> (i % 64) & 1) != 0) {
          expected += q4[i];
        }
      }
      assertThat(generic[3 + r]).as("row %d", r).isEqualTo(expected);
      assertThat(four[3 + r]).as("row %d", r).isEqualTo(expected);
    }
    assertThat(hist4).isEqualTo(hist);
    assertThat(java.util.Arrays.stream(hist).sum()).isEqualTo(rows);
  }

  @Test
  void aBatchLargerThanTheScratchIsRefused() {
    IvfKernels.Centroids c = new IvfKernels.Centroids(new float[16], 2);
    assertThatThrownBy(() -> c.nearestBatch(new float[100], IvfKernels.Centroids.BATCH + 1,
        new int[100], c.batchScratch()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rows must be in [0, 32], was 33");
  }
}
