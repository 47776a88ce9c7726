package io.model2vec.distill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.Model2VecException;
import io.model2vec.tokenizer.IdBuffer;
import io.model2vec.tokenizer.TokenIdEncoder;
import io.model2vec.tokenizer.TokenizerInfo;
import io.model2vec.tokenizer.Tokenizers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whole words for a WordPiece vocabulary, as tokenlearn and the potion models extend theirs: the
 * words of the training passages that the vocabulary splits into two or more pieces, most frequent
 * first, become tokens of their own (ids after the last one), so that a text mentioning them pools
 * one trained row instead of several pieces that each also stand for other words.
 *
 * <p>The result is an ordinary {@code tokenizer.json}: WordPiece's greedy longest match finds the
 * whole word before its pieces, in this project's tokenizer and in the HuggingFace library alike
 * (checked id for id in the tests). A new row starts as the mean of its pieces' rows, which is what
 * the model pooled for the word before (up to the other tokens' share), and is then trained.
 */
public final class VocabularyExtension {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** WordPiece's {@code max_input_chars_per_word}: longer words are [UNK], never a token. */
  private static final int MAX_WORD_CHARS = 100;

  /** The tokenizer with the new words. */
  public final String tokenizerJson;
  /** The start table with one row per new word appended. */
  public final float[][] table;
  /** The new words in id order, and how often each was seen. */
  public final List<String> words;
  public final int[] counts;

  private VocabularyExtension(String tokenizerJson, float[][] table, List<String> words,
      int[] counts) {
    this.tokenizerJson = tokenizerJson;
    this.table = table;
    this.words = words;
    this.counts = counts;
  }

  /**
   * The {@code maxWords} most frequent words of {@code passages} (token ids as {@code
   * tokenizerJson} gives them) that it splits into pieces and that occur at least {@code minCount}
   * times (ties by the word, so the choice is deterministic).
   */
  public static VocabularyExtension extend(String tokenizerJson, String source, float[][] table,
      int[][] passages, int maxWords, int minCount) {
    if (maxWords < 1) {
      throw new IllegalArgumentException("maxWords must be >= 1, was " + maxWords);
    }
    if (minCount < 1) {
      throw new IllegalArgumentException("minCount must be >= 1, was " + minCount);
    }
    ObjectNode root;
    try {
      root = (ObjectNode) JSON.readTree(tokenizerJson);
    } catch (JsonProcessingException | ClassCastException e) {
      throw new Model2VecException(source + " is not a tokenizer.json object: " + e.getMessage(), e);
    }
    JsonNode model = root.path("model");
    if (!model.path("type").asText("").equals("WordPiece") || !model.path("vocab").isObject()) {
      throw new IllegalArgumentException("extending the vocabulary needs a WordPiece tokenizer; "
          + source + " has model type '" + model.path("type").asText("") + "'");
    }
    String prefix = model.path("continuing_subword_prefix").asText("##");
    String[] tokens = new String[table.length];
    Set<String> taken = new HashSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int id = e.getValue().asInt(-1);
      if (id < 0 || id >= table.length) {
        throw new Model2VecException(source + ": vocabulary entry '" + e.getKey() + "' has id "
            + e.getValue() + ", outside the table's " + table.length + " rows");
      }
      tokens[id] = e.getKey();
      taken.add(e.getKey());
    }
    Set<Integer> special = new HashSet<>();
    for (JsonNode t : root.path("added_tokens")) {
      special.add(t.path("id").asInt());
      taken.add(t.path("content").asText());
    }
    String unk = model.path("unk_token").asText("[UNK]");

    // Words are maximal runs of a first piece and its continuation pieces: what BERT's
    // pre-tokenizer cut and WordPiece split.
    Map<String, int[]> seen = new HashMap<>();
    StringBuilder word = new StringBuilder();
    for (int[] ids : passages) {
      int i = 0;
      while (i < ids.length) {
        int first = ids[i];
        int j = i + 1;
        while (j < ids.length && isContinuation(tokens, ids[j], prefix)) {
          j++;
        }
        if (j - i >= 2 && !special.contains(first) && tokens[first] != null
            && !tokens[first].equals(unk) && !isContinuation(tokens, first, prefix)) {
          word.setLength(0);
          word.append(tokens[first]);
          for (int k = i + 1; k < j; k++) {
            word.append(tokens[ids[k]], prefix.length(), tokens[ids[k]].length());
          }
          if (word.length() <= MAX_WORD_CHARS) {
            seen.computeIfAbsent(word.toString(), w -> new int[1])[0]++;
          }
        }
        i = j;
      }
    }
    List<Map.Entry<String, int[]>> ranked = new ArrayList<>();
    for (Map.Entry<String, int[]> e : seen.entrySet()) {
      if (e.getValue()[0] >= minCount && !taken.contains(e.getKey())) {
        ranked.add(e);
      }
    }
    ranked.sort((a, b) -> a.getValue()[0] != b.getValue()[0]
        ? Integer.compare(b.getValue()[0], a.getValue()[0]) : a.getKey().compareTo(b.getKey()));
    int n = Math.min(maxWords, ranked.size());
    List<String> words = new ArrayList<>(n);
    int[] counts = new int[n];
    ObjectNode vocab = (ObjectNode) root.get("model").get("vocab");
    for (int k = 0; k < n; k++) {
      words.add(ranked.get(k).getKey());
      counts[k] = ranked.get(k).getValue()[0];
      vocab.put(words.get(k), table.length + k);
    }
    String json = root.toString();

    // New rows: the mean of the rows of the pieces the old tokenizer gave each word.
    float[][] out = Arrays.copyOf(table, table.length + n);
    int dims = table[0].length;
    try (TokenIdEncoder old = Tokenizers.create(tokenizerJson,
        TokenizerInfo.parse(tokenizerJson, source), source)) {
      IdBuffer buf = new IdBuffer(64);
      for (int k = 0; k < n; k++) {
        old.encode(words.get(k), buf);
        int[] pieces = buf.toArray();
        float[] row = new float[dims];
        for (int p : pieces) {
          for (int d = 0; d < dims; d++) {
            row[d] += table[p][d];
          }
        }
        for (int d = 0; d < dims; d++) {
          row[d] /= Math.max(1, pieces.length);
        }
        out[table.length + k] = row;
      }
    }
    return new VocabularyExtension(json, out, words, counts);
  }

  private static boolean isContinuation(String[] tokens, int id, String prefix) {
    return id >= 0 && id < tokens.length && tokens[id] != null && tokens[id].startsWith(prefix);
  }
}
