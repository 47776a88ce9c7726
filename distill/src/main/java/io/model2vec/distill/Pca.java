package io.model2vec.distill;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Principal component analysis as scikit-learn's {@code PCA(n_components=k).fit_transform}: the
 * rows are centred and projected on the {@code k} eigenvectors of the covariance matrix with the
 * largest eigenvalues (EJML's symmetric eigen solver), in decreasing order. The sign of each
 * component is fixed as scikit-learn does (its largest-magnitude entry positive), so the output
 * is deterministic.
 */
final class Pca {
  /** The components, one per row ([k, d]), and the mean that was subtracted. */
  final double[][] components;
  final double[] mean;
  final double[] explainedVariance;

  private Pca(double[][] components, double[] mean, double[] explainedVariance) {
    this.components = components;
    this.mean = mean;
    this.explainedVariance = explainedVariance;
  }

  static Pca fit(float[][] x, int k) {
    int n = x.length;
    int d = x[0].length;
    if (k < 1 || k > d || k > n) {
      throw new IllegalArgumentException("PCA needs 1 <= k <= min(rows, columns) = "
          + Math.min(n, d) + ", was " + k);
    }
    double[] mean = new double[d];
    for (float[] row : x) {
      for (int j = 0; j < d; j++) {
        mean[j] += row[j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    DMatrixRMaj centred = new DMatrixRMaj(n, d);
    double[] c = centred.data;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        c[i * d + j] = x[i][j] - mean[j];
      }
    }
    DMatrixRMaj cov = new DMatrixRMaj(d, d);
    CommonOps_DDRM.multTransA(centred, centred, cov);
    CommonOps_DDRM.scale(1.0 / Math.max(1, n - 1), cov);

    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
    if (!eig.decompose(cov)) {
      throw new IllegalStateException("the eigen decomposition of the " + d + "x" + d
          + " covariance matrix did not converge");
    }
    Integer[] order = new Integer[d];
    double[] values = new double[d];
    for (int j = 0; j < d; j++) {
      order[j] = j;
      values[j] = eig.getEigenvalue(j).getReal();
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
    double[][] comps = new double[k][];
    double[] var = new double[k];
    for (int r = 0; r < k; r++) {
      DMatrixRMaj v = eig.getEigenVector(order[r]);
      double[] comp = new double[d];
      double norm = 0;
      int argmax = 0;
      for (int j = 0; j < d; j++) {
        comp[j] = v.get(j, 0);
        norm += comp[j] * comp[j];
        if (Math.abs(comp[j]) > Math.abs(comp[argmax])) {
          argmax = j;
        }
      }
      double scale = (comp[argmax] < 0 ? -1 : 1) / Math.sqrt(norm);
      for (int j = 0; j < d; j++) {
        comp[j] *= scale;
      }
      comps[r] = comp;
      var[r] = values[order[r]];
    }
    return new Pca(comps, mean, var);
  }

  /** The rows of {@code x}, centred and projected: [n, k]. */
  float[][] transform(float[][] x) {
    int k = components.length;
    int d = mean.length;
    float[][] out = new float[x.length][k];
    double[] centred = new double[d];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < d; j++) {
        centred[j] = x[i][j] - mean[j];
      }
      for (int r = 0; r < k; r++) {
        double[] comp = components[r];
        double s = 0;
        for (int j = 0; j < d; j++) {
          s += comp[j] * centred[j];
        }
        out[i][r] = (float) s;
      }
    }
    return out;
  }
}
