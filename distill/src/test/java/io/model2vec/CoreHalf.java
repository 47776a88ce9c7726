package io.model2vec;

/** The core's half-precision decoder, for tests outside this package: what the loader reads. */
public final class CoreHalf {
  private CoreHalf() {}

  public static float toFloat(short h) {
    return EmbeddingTable.F16.halfToFloat(h);
  }
}
