package io.model2vec;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The optional {@code weights} tensor: one scale per original token id (SIF/Zipf weighting).
 * F32 and F16 weights are held as floats and pooled in float, as the reference does; F64 weights
 * are held as doubles and make pooling run in double (numpy promotes to float64).
 */
final class TokenWeights {
  private final float[] floats;
  private final double[] doubles;

  private TokenWeights(float[] floats, double[] doubles) {
    this.floats = floats;
    this.doubles = doubles;
  }

  /** Reads and checks tensor {@code t} of {@code st}: 1-D, one finite value per token. */
  static TokenWeights read(SafeTensors st, SafeTensors.Tensor t, int vocab) {
    ModelParts.checkVector(st, t, vocab, "tensor 'weights'");
    ByteBuffer b = st.bytes(t);
    switch (t.dtype) {
      case F64: {
        double[] w = new double[vocab];
        b.asDoubleBuffer().get(w);
        for (int i = 0; i < vocab; i++) {
          checkFinite(st, w[i], i);
        }
        return new TokenWeights(null, w);
      }
      case F32:
      case F16: {
        float[] w = new float[vocab];
        if (t.dtype == DType.F32) {
          b.asFloatBuffer().get(w);
        } else {
          for (int i = 0; i < vocab; i++) {
            w[i] = EmbeddingTable.F16.halfToFloat(b.getShort(i * 2));
          }
        }
        for (int i = 0; i < vocab; i++) {
          checkFinite(st, w[i], i);
        }
        return new TokenWeights(w, null);
      }
      default:
        throw SafeTensors.error(st.source(), "tensor 'weights' has dtype " + t.dtype
            + "; must be F64, F32 or F16");
    }
  }

  private static void checkFinite(SafeTensors st, double w, int token) {
    if (!Double.isFinite(w)) {
      throw SafeTensors.error(st.source(), "tensor 'weights' holds " + w + " for token " + token);
    }
  }

  /** Whether the reference pools these weights in double (F64 weights). */
  boolean poolsInDouble() {
    return doubles != null;
  }

  /** The scale of token {@code id}. */
  double scale(int id) {
    return doubles != null ? doubles[id] : floats[id];
  }

  /** Writes the float scales of {@code ids[0 .. n)} into {@code out}; float weights only. */
  void gather(int[] ids, int n, float[] out) {
    for (int i = 0; i < n; i++) {
      out[i] = floats[ids[i]];
    }
  }

  /** Writes the scales of {@code ids[0 .. n)} into {@code out}, widened to double. */
  void gather(int[] ids, int n, double[] out) {
    if (doubles != null) {
      for (int i = 0; i < n; i++) {
        out[i] = doubles[ids[i]];
      }
    } else {
      for (int i = 0; i < n; i++) {
        out[i] = floats[ids[i]];
      }
    }
  }

  @Override
  public String toString() {
    return doubles != null ? "F64 weights[" + doubles.length + "]"
        : "weights[" + floats.length + "] " + Arrays.toString(Arrays.copyOf(floats, 3)) + "...";
  }
}
