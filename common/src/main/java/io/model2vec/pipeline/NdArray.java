package io.model2vec.pipeline;

import java.util.Arrays;

/**
 * A numpy array as a skops file stores it, in C (row-major) order whatever its file's order: the
 * numbers as doubles (every float and integer dtype the heads use fits a double exactly, except
 * int64 beyond 2^53, which is kept in {@link #longs}), or the strings of a unicode or json array.
 */
final class NdArray {
  final int[] shape;
  /** Numbers, or null for a string array. */
  final double[] numbers;
  /** The exact values of an integer array (labels), else null. */
  final long[] longs;
  /** The values of a unicode ({@code <U}) or json (object) array of strings, else null. */
  final String[] strings;
  /** The numpy dtype as the file names it, for messages. */
  final String dtype;

  NdArray(int[] shape, double[] numbers, long[] longs, String[] strings, String dtype) {
    this.shape = shape;
    this.numbers = numbers;
    this.longs = longs;
    this.strings = strings;
    this.dtype = dtype;
  }

  int size() {
    return numbers != null ? numbers.length : strings.length;
  }

  int rank() {
    return shape.length;
  }

  boolean isNumeric() {
    return numbers != null;
  }

  /** The values as floats (the heads' weights); a string array is an error of the caller. */
  float[] floats() {
    float[] out = new float[numbers.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) numbers[i];
    }
    return out;
  }

  @Override
  public String toString() {
    return "ndarray(" + dtype + ", shape " + Arrays.toString(shape) + ")";
  }
}
