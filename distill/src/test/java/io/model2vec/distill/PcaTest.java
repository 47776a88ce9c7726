package io.model2vec.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PcaTest {
  @Test
  void pcaFindsTheAxesOfKnownVarianceInOrder() {
    // 4000 points in 6-D: independent N(0, s^2) along a rotated orthonormal basis, shifted by a
    // mean. PCA must recover the basis (up to sign) with variances s^2, largest first.
    Random rnd = new Random(7);
    int n = 4000;
    int d = 6;
    double[] s = {10, 5, 2, 1, 0.5, 0.1};
    double[][] basis = randomOrthonormal(d, rnd);
    double[] mean = {3, -2, 1, 0, 7, -5};
    float[][] x = new float[n][d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        x[i][j] = (float) mean[j];
      }
      for (int k = 0; k < d; k++) {
        double z = rnd.nextGaussian() * s[k];
        for (int j = 0; j < d; j++) {
          x[i][j] += (float) (z * basis[k][j]);
        }
      }
    }
    Pca pca = Pca.fit(x, 3);
    for (int k = 0; k < 3; k++) {
      double dot = 0;
      for (int j = 0; j < d; j++) {
        dot += pca.components[k][j] * basis[k][j];
      }
      assertThat(Math.abs(dot)).as("component %d vs axis", k).isGreaterThan(0.995);
      assertThat(pca.explainedVariance[k] / (s[k] * s[k])).isCloseTo(1.0, within(0.08));
      assertThat(pca.mean[k]).isCloseTo(mean[k], within(0.5));
    }
    float[][] y = pca.transform(x);
    assertThat(y[0]).hasSize(3);
    // Projected columns: centred, uncorrelated.
    for (int a = 0; a < 3; a++) {
      double ma = 0;
      for (float[] r : y) {
        ma += r[a];
      }
      assertThat(ma / n).isCloseTo(0.0, within(1e-3));
      for (int b = a + 1; b < 3; b++) {
        double cov = 0;
        for (float[] r : y) {
          cov += r[a] * r[b];
        }
        assertThat(cov / n).isCloseTo(0.0, within(1e-2));
      }
    }
  }

  @Test
  void pcaSignIsDeterministic() {
    Random rnd = new Random(1);
    float[][] x = new float[300][5];
    for (float[] r : x) {
      for (int j = 0; j < 5; j++) {
        r[j] = (float) rnd.nextGaussian() * (j + 1);
      }
    }
    Pca p = Pca.fit(x, 5);
    for (double[] c : p.components) {
      int arg = 0;
      for (int j = 0; j < c.length; j++) {
        if (Math.abs(c[j]) > Math.abs(c[arg])) {
          arg = j;
        }
      }
      assertThat(c[arg]).isPositive();
    }
  }

  private static double[][] randomOrthonormal(int d, Random rnd) {
    double[][] q = new double[d][d];
    for (int k = 0; k < d; k++) {
      for (int j = 0; j < d; j++) {
        q[k][j] = rnd.nextGaussian();
      }
      for (int p = 0; p < k; p++) {
        double dot = 0;
        for (int j = 0; j < d; j++) {
          dot += q[k][j] * q[p][j];
        }
        for (int j = 0; j < d; j++) {
          q[k][j] -= dot * q[p][j];
        }
      }
      double norm = 0;
      for (int j = 0; j < d; j++) {
        norm += q[k][j] * q[k][j];
      }
      norm = Math.sqrt(norm);
      for (int j = 0; j < d; j++) {
        q[k][j] /= norm;
      }
    }
    return q;
  }
}
