package io.model2vec.pipeline;

/**
 * One affine layer {@code y = x W + b} with scikit-learn's layout of {@code W}: one row of
 * {@code outputs} weights per input, so that the inner loop is an axpy over a contiguous row
 * (no reduction, so no floating-point reordering is needed), on the Vector API where the JVM has
 * it. A batch is run
 * row by row of {@code W} across all its texts, so each row is read from memory once per batch.
 */
final class Dense {
  final int inputs;
  final int outputs;
  /** {@code inputs x outputs}, row-major. */
  private final float[] weights;
  private final float[] bias;

  Dense(int inputs, int outputs, float[] weights, float[] bias) {
    if (weights.length != (long) inputs * outputs || bias.length != outputs) {
      throw new IllegalArgumentException("weights must be " + inputs + " x " + outputs
          + " and bias " + outputs + ", were " + weights.length + " and " + bias.length);
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.weights = weights;
    this.bias = bias;
  }

  /**
   * Whether the inner loop runs on {@link PanamaAxpy}: the Vector API is there
   * ({@code jdk.incubator.vector} in the boot layer, at least 8 float lanes, not switched off with
   * {@code -Dmodel2vec.vector=false}) and gives the scalar loop's sums on a sample (up to the
   * rounding of fused multiply-adds). Decided once per JVM; never throws.
   */
  static final boolean VECTOR = vectorSupport();

  private static boolean vectorSupport() {
    if (!io.model2vec.Settings.VECTOR.get()
        || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    try {
      if (PanamaAxpy.lanes() < 8) {
        return false;
      }
      for (int n : new int[] {1, 7, 8, 31, 64, 100}) {
        float[] w = new float[n + 3];
        for (int j = 0; j < w.length; j++) {
          w[j] = (float) Math.sin(j + 1);
        }
        float[] a = new float[n];
        float[] b = new float[n];
        for (int j = 0; j < n; j++) {
          a[j] = b[j] = (float) Math.cos(j);
        }
        axpy(0.37f, w, 3, a, n);
        PanamaAxpy.axpy(0.37f, w, 3, b, n);
        for (int j = 0; j < n; j++) {
          if (Math.abs(a[j] - b[j]) > 1e-6f) {
            return false;
          }
        }
      }
      return true;
    } catch (Throwable e) { // LinkageError without the module; anything else: stay scalar
      return false;
    }
  }

  /** {@code out[0 .. n) += x * w[from .. from + n)}: the scalar loop. */
  static void axpy(float x, float[] w, int from, float[] out, int n) {
    for (int j = 0; j < n; j++) {
      out[j] += x * w[from + j];
    }
  }

  /** {@code out[t] = in[t] W + b} for the first {@code count} texts. */
  void apply(float[][] in, int count, float[][] out) {
    int n = outputs;
    for (int t = 0; t < count; t++) {
      System.arraycopy(bias, 0, out[t], 0, n);
    }
    float[] w = weights;
    if (VECTOR) {
      PanamaAxpy.product(in, count, w, inputs, n, out);
      return;
    }
    for (int i = 0; i < inputs; i++) {
      int row = i * n;
      for (int t = 0; t < count; t++) {
        float xi = in[t][i];
        if (xi == 0f) {
          continue; // after a relu, about half the inputs are 0
        }
        axpy(xi, w, row, out[t], n);
      }
    }
  }
}
