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
      float[] batchScratch = c.batchScratch();
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
    PanamaIvf.scoresBatch(vs, rows, dims, c.blocked, c.blocks, out);
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
  void aBatchLargerThanTheScratchIsRefused() {
    IvfKernels.Centroids c = new IvfKernels.Centroids(new float[16], 2);
    assertThatThrownBy(() -> c.nearestBatch(new float[100], IvfKernels.Centroids.BATCH + 1,
        new int[100], c.batchScratch()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rows must be in [0, 32], was 33");
  }
}
