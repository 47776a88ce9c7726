package io.model2vec.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.model2vec.Model2VecException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * What the encoder needs to know of a {@code tokenizer.json} besides tokenizing: the model type,
 * the vocabulary size, the unknown-token id that Python drops, and the median token length that
 * drives character truncation.
 *
 * <p>Internal: not part of the public API; may change without notice. (Public for the core in
 * {@code io.model2vec}.)
 */
public final class TokenizerInfo {
  public final String modelType;
  /** One past the largest id the tokenizer can produce (model vocabulary and added tokens). */
  public final int vocabSize;
  /**
   * The id removed from every encoding, or -1: the id of {@code model.unk_token}, or for a Unigram
   * model its {@code model.unk_id} (the reference drops it since 2026-08; it kept it before).
   */
  public final int unkId;
  /** Python's {@code int(np.median([len(t) for t in tokenizer.get_vocab()]))}, in code points. */
  public final int medianTokenLength;
  /** The parsed file, for tokenizers implemented in Java. */
  public final JsonNode root;

  private TokenizerInfo(String modelType, int vocabSize, int unkId, int median, JsonNode root) {
    this.modelType = modelType;
    this.vocabSize = vocabSize;
    this.unkId = unkId;
    this.medianTokenLength = median;
    this.root = root;
  }

  public static TokenizerInfo parse(String json, String source) {
    JsonNode root;
    try {
      root = JsonTree.parse(json);
    } catch (Exception e) {
      throw new Model2VecException(source + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new Model2VecException(source + " is not a JSON object");
    }
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) {
      throw new Model2VecException(source + " has no \"model\" object");
    }
    JsonNode vocab = model.get("vocab");
    if (vocab == null || !(vocab.isObject() || vocab.isArray())) {
      throw new Model2VecException(source + " has no \"model.vocab\" (object or array)");
    }
    String type = model.hasNonNull("type") ? model.get("type").asText() : inferType(model);

    // get_vocab(with_added_tokens=True): token string -> id, added tokens overriding.
    Map<String, Integer> ids = new HashMap<>();
    if (vocab.isArray()) {
      for (int i = 0; i < vocab.size(); i++) {
        JsonNode piece = vocab.get(i);
        if (!piece.isArray() || piece.size() < 1 || !piece.get(0).isTextual()) {
          throw new Model2VecException(source + " has a malformed model.vocab[" + i
              + "]; Unigram pieces are [\"piece\", score]");
        }
        ids.put(piece.get(0).asText(), i);
      }
    } else {
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
          throw new Model2VecException(source + " maps model.vocab key '" + e.getKey()
              + "' to " + e.getValue() + "; ids must be non-negative integers");
        }
        ids.put(e.getKey(), e.getValue().asInt());
      }
    }
    JsonNode added = root.get("added_tokens");
    if (added != null && added.isArray()) {
      for (int i = 0; i < added.size(); i++) {
        JsonNode t = added.get(i);
        if (!t.hasNonNull("content") || !t.hasNonNull("id") || !t.get("id").canConvertToInt()) {
          throw new Model2VecException(source + " has a malformed added_tokens[" + i
              + "] (needs \"id\" and \"content\")");
        }
        ids.put(t.get("content").asText(), t.get("id").asInt());
      }
    }
    if (ids.isEmpty()) {
      throw new Model2VecException(source + " has an empty vocabulary");
    }
    int maxId = 0;
    int[] lengths = new int[ids.size()];
    int k = 0;
    for (Map.Entry<String, Integer> e : ids.entrySet()) {
      maxId = Math.max(maxId, e.getValue());
      lengths[k++] = e.getKey().codePointCount(0, e.getKey().length());
    }
    int unkId = -1;
    JsonNode unk = model.get("unk_token");
    if ("Unigram".equals(type)) {
      unkId = unigramUnkId(model, vocab.size(), source);
    } else if (unk != null && unk.isTextual()) {
      Integer id = ids.get(unk.asText());
      if (id == null) {
        throw new Model2VecException(source + " declares model.unk_token '" + unk.asText()
            + "', which is not in its vocabulary");
      }
      unkId = id;
    }
    return new TokenizerInfo(type, maxId + 1, unkId, median(lengths), root);
  }

  /** {@code model.unk_id} of a Unigram model: an index into its vocabulary, or -1 when null. */
  private static int unigramUnkId(JsonNode model, int pieces, String source) {
    JsonNode u = model.get("unk_id");
    if (u == null || u.isNull()) {
      return -1;
    }
    if (!u.canConvertToInt() || u.asInt() < 0 || u.asInt() >= pieces) {
      throw new Model2VecException(source + " has model.unk_id " + u + "; it must be null or an "
          + "index into the " + pieces + " pieces of model.vocab");
    }
    return u.asInt();
  }

  /** numpy's median (mean of the middle two for an even count), truncated like Python's int(). */
  static int median(int[] values) {
    int[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    if (n % 2 == 1) {
      return s[n / 2];
    }
    return (int) ((s[n / 2 - 1] + (double) s[n / 2]) / 2.0);
  }

  private static String inferType(JsonNode model) {
    if (model.get("vocab").isArray()) {
      return "Unigram";
    }
    if (model.has("merges")) {
      return "BPE";
    }
    if (model.has("continuing_subword_prefix") || model.has("max_input_chars_per_word")) {
      return "WordPiece";
    }
    return "WordLevel";
  }
}
