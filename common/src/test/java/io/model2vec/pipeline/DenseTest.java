package io.model2vec.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** A layer gives the same sums on the Vector API and on the scalar loop, batch or not. */
class DenseTest {
  @Test
  void vectorAndScalarLoopsAgree() {
    // The test JVM has jdk.incubator.vector (the build's argLine): the vector loop runs.
    assertThat(Dense.VECTOR).isTrue();
    Random r = new Random(3);
    for (int[] shape : new int[][] {{256, 512}, {7, 3}, {33, 17}, {2, 1}}) {
      int in = shape[0];
      int out = shape[1];
      float[] w = new float[in * out];
      float[] b = new float[out];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) r.nextGaussian();
      }
      for (int j = 0; j < out; j++) {
        b[j] = (float) r.nextGaussian();
      }
      Dense d = new Dense(in, out, w, b);
      float[][] x = new float[5][in];
      for (float[] v : x) {
        for (int i = 0; i < in; i++) {
          v[i] = i % 3 == 0 ? 0 : (float) r.nextGaussian();
        }
      }
      float[][] y = new float[5][out];
      d.apply(x, 5, y);
      for (int t = 0; t < 5; t++) {
        double[] want = new double[out];
        for (int j = 0; j < out; j++) {
          want[j] = b[j];
          for (int i = 0; i < in; i++) {
            want[j] += (double) x[t][i] * w[i * out + j];
          }
        }
        float[] scalar = b.clone();
        for (int i = 0; i < in; i++) {
          Dense.axpy(x[t][i], w, i * out, scalar, out);
        }
        for (int j = 0; j < out; j++) {
          assertThat((double) y[t][j]).isCloseTo(want[j], within(1e-4 * Math.sqrt(in)));
          assertThat(y[t][j]).isCloseTo(scalar[j], within(1e-4f * (float) Math.sqrt(in)));
        }
      }
    }
  }
}
