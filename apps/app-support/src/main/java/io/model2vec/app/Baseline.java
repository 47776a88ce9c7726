package io.model2vec.app;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.Random;

/**
 * The seed design the benchmarks measure the core against ({@code model2vec bench}, JMH): DJL's
 * HuggingFace tokenizer per text, then a plain float mean over a random float32 table of the
 * model's shape (unknown tokens dropped, at most {@code maxLength} ids, L2 norm if
 * {@code normalize}). Not for embeddings. Needs DJL's tokenizers, an optional dependency of this
 * module: the benchmarks that use it declare it.
 */
public final class Baseline {
  private final HuggingFaceTokenizer tokenizer;
  private final float[] table;
  private final int dims;
  private final boolean normalize;
  private final int maxLength;
  private final long unk;

  public Baseline(HuggingFaceTokenizer tokenizer, int rows, int dims, boolean normalize,
      int maxLength, long unk) {
    this.tokenizer = tokenizer;
    this.dims = dims;
    this.normalize = normalize;
    this.maxLength = maxLength;
    this.unk = unk;
    this.table = new float[rows * dims];
    Random r = new Random(7);
    for (int i = 0; i < table.length; i++) {
      table[i] = (float) r.nextGaussian();
    }
  }

  public float[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    float[] out = new float[dims];
    int n = 0;
    for (long id : ids) {
      if (id == unk) {
        continue;
      }
      if (n == maxLength) {
        break;
      }
      int off = (int) id * dims;
      for (int j = 0; j < dims; j++) {
        out[j] += table[off + j];
      }
      n++;
    }
    if (n > 0) {
      double sq = 0;
      for (int j = 0; j < dims; j++) {
        out[j] /= n;
        sq += out[j] * out[j];
      }
      if (normalize) {
        float inv = (float) (1 / (Math.sqrt(sq) + 1e-32));
        for (int j = 0; j < dims; j++) {
          out[j] *= inv;
        }
      }
    }
    return out;
  }
}
