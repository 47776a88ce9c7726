package io.model2vec.pipeline;

/**
 * One affine layer {@code y = x W + b} with scikit-learn's layout of {@code W}: one row of
 * {@code outputs} weights per input, so that the inner loop is an axpy over a contiguous row,
 * which C2 vectorizes (no reduction, so no floating-point reordering is needed). A batch is run
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

  /** {@code out[t] = in[t] W + b} for the first {@code count} texts. */
  void apply(float[][] in, int count, float[][] out) {
    int n = outputs;
    for (int t = 0; t < count; t++) {
      System.arraycopy(bias, 0, out[t], 0, n);
    }
    float[] w = weights;
    for (int i = 0; i < inputs; i++) {
      int row = i * n;
      for (int t = 0; t < count; t++) {
        float xi = in[t][i];
        if (xi == 0f) {
          continue; // after a relu, about half the inputs are 0
        }
        float[] o = out[t];
        for (int j = 0; j < n; j++) {
          o[j] += xi * w[row + j];
        }
      }
    }
  }
}
