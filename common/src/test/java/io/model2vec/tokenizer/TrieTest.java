package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Longest-prefix matching against a plain map: with and without the pair table, with nodes
 * numbered by token id (id 0 included) and without (ids repeated, or too large for a node
 * number). The tokenizer parity tests cover the trie
 * through real vocabularies; this covers the layouts a real vocabulary may not reach.
 */
class TrieTest {
  private static final String ALPHABET = "abcde\u00e9\u4e2d#";

  @Test
  void matchesTheLongestTokenInEveryLayout() {
    Random rnd = new Random(3);
    for (String ids : new String[] {"from 0", "repeated", "too large"}) {
      Map<String, Integer> vocab = new HashMap<>();
      Trie.Builder b = new Trie.Builder();
      while (vocab.size() < 2_000) {
        String t = word(rnd, 1 + rnd.nextInt(6));
        // ids with gaps from 0; or every id twice, or ids past the 23 bits of a node number: the
        // trie then keeps an id table
        int id = ids.equals("repeated") ? vocab.size() / 2
            : ids.equals("too large") ? (1 << 24) + vocab.size() : 3 * vocab.size();
        if (vocab.putIfAbsent(t, id) == null) {
          b.put(t, id);
        }
      }
      Trie trie = b.build();
      int[] root = trie.rootEdges();
      int[] pairs = trie.pairsOf(root);
      int hash = trie.walk("##");
      int[] cont = hash < 0 ? null : trie.edgesOf(hash);
      int[] contPairs = cont == null ? null : trie.pairsOf(cont);
      for (int n = 0; n < 20_000; n++) {
        char[] w = word(rnd, 1 + rnd.nextInt(9)).toCharArray();
        int from = rnd.nextInt(w.length);
        long expected = naive(vocab, w, from, "");
        assertThat(trie.longestMatch(w, from, w.length, root, pairs))
            .as("%s from %d (ids %s)", new String(w), from, ids)
            .isEqualTo(expected);
        assertThat(trie.longestMatch(w, from, w.length, root, null)).isEqualTo(expected);
        if (cont != null) {
          long c = naive(vocab, w, from, "##");
          assertThat(trie.longestMatch(w, from, w.length, cont, contPairs))
              .as("##%s from %d", new String(w), from).isEqualTo(c);
        }
      }
    }
  }

  private static String word(Random rnd, int len) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  /** end << 32 | id of the longest {@code prefix + w[from..end)} in vocab, or -1. */
  private static long naive(Map<String, Integer> vocab, char[] w, int from, String prefix) {
    for (int end = w.length; end > from; end--) {
      Integer id = vocab.get(prefix + new String(w, from, end - from));
      if (id != null) {
        return ((long) end << 32) | id;
      }
    }
    return -1;
  }
}
