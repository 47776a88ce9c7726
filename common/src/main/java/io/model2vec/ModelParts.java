package io.model2vec;

import com.fasterxml.jackson.databind.JsonNode;
import io.model2vec.tokenizer.TokenizerInfo;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What a model's files hold, read and checked against each other: the table, the optional
 * vocabulary-quantization {@code mapping} and {@code weights}, the tokenizer's metadata and the
 * config's {@code normalize}. Every check names the file, the tensor or key, and what was wrong;
 * a {@link StaticModel} is only ever built from parts that passed them.
 */
final class ModelParts {
  final String description;
  final String tokenizerJson;
  final String tokenizerName;
  final TokenizerInfo tokenizer;
  final EmbeddingTable table;
  /** Token id -> table row, or null when rows are token ids. */
  final int[] mapping;
  /** Per-token scales, or null. */
  final TokenWeights weights;
  /** The config's normalize (or its modules.json's Normalize module). */
  final boolean normalize;
  /** Nanoseconds spent parsing tokenizer.json, and reading and checking the table. */
  final long tokenizerParseNanos;
  final long tableNanos;

  private ModelParts(ModelFiles files) {
    this.description = files.description;
    this.tokenizerJson = files.tokenizerJson;
    this.tokenizerName = files.tokenizerName;
    long h0 = System.nanoTime();
    SafeTensors st = SafeTensors.parse(files.tensors, files.tensorsName);
    long t0 = System.nanoTime();
    TokenizerInfo info = TokenizerInfo.parse(files.tokenizerJson, files.tokenizerName);
    this.tokenizer = info;
    long t1 = System.nanoTime();
    SafeTensors.Tensor emb = firstPresent(st, "embeddings", "embedding.weight", "0");
    this.table = EmbeddingTable.read(st, emb);
    this.tokenizerParseNanos = t1 - t0;
    // the safetensors header belongs to the table's phase, so that the phases add up to the load
    this.tableNanos = (t0 - h0) + (System.nanoTime() - t1);
    SafeTensors.Tensor map = st.get("mapping");
    SafeTensors.Tensor w = st.get("weights");
    this.mapping = map == null ? null : readMapping(st, map, info.vocabSize, table.rows);
    if (mapping == null && table.rows != info.vocabSize) {
      throw new Model2VecException(files.tensorsName + " tensor '" + emb.name + "' has "
          + table.rows + " rows but " + files.tokenizerName + " has a vocabulary of "
          + info.vocabSize + " tokens, and there is no 'mapping' tensor to connect them");
    }
    this.weights = w == null ? null : TokenWeights.read(st, w, info.vocabSize);
    this.normalize = normalizeFromConfig(files);
  }

  static ModelParts read(ModelFiles files) {
    return new ModelParts(files);
  }

  private static boolean normalizeFromConfig(ModelFiles files) {
    JsonNode n = files.config.get("normalize");
    if (n == null || n.isNull()) {
      return files.normalizeModule;
    }
    if (!n.isBoolean()) {
      throw new Model2VecException(files.description + " config key 'normalize' must be true or "
          + "false, was " + n);
    }
    return n.asBoolean();
  }

  private static SafeTensors.Tensor firstPresent(SafeTensors st, String... names) {
    for (String name : names) {
      SafeTensors.Tensor t = st.get(name);
      if (t != null) {
        return t;
      }
    }
    throw SafeTensors.error(st.source(), "has no embedding tensor (looked for "
        + String.join(", ", names) + "; found " + st.tensors().keySet() + ")");
  }

  private static int[] readMapping(SafeTensors st, SafeTensors.Tensor t, int vocab, int rows) {
    String where = "tensor 'mapping'";
    checkVector(st, t, vocab, where);
    int[] m = new int[vocab];
    ByteBuffer b = st.bytes(t);
    if (t.dtype == DType.I32) {
      b.asIntBuffer().get(m);
    } else if (t.dtype == DType.I64) {
      for (int i = 0; i < vocab; i++) {
        long v = b.getLong(i * 8);
        if (v < 0 || v >= rows) {
          throw SafeTensors.error(st.source(), where + " maps token " + i + " to row " + v
              + ", outside the " + rows + " rows of the embedding table");
        }
        m[i] = (int) v;
      }
    } else {
      throw SafeTensors.error(st.source(), where + " has dtype " + t.dtype + "; must be I32 or I64");
    }
    for (int i = 0; i < vocab; i++) {
      if (m[i] < 0 || m[i] >= rows) {
        throw SafeTensors.error(st.source(), where + " maps token " + i + " to row " + m[i]
            + ", outside the " + rows + " rows of the embedding table");
      }
    }
    return m;
  }

  static void checkVector(SafeTensors st, SafeTensors.Tensor t, int vocab, String where) {
    if (t.shape.length != 1) {
      throw SafeTensors.error(st.source(), where + " must be 1-D [vocab] but has shape "
          + Arrays.toString(t.shape));
    }
    if (t.shape[0] != vocab) {
      throw SafeTensors.error(st.source(), where + " has " + t.shape[0]
          + " entries but the tokenizer has a vocabulary of " + vocab + " tokens");
    }
  }
}
