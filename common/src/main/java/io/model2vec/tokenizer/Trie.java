package io.model2vec.tokenizer;

import java.util.Arrays;

/**
 * A character trie of token strings, stored as one open-addressing hash of (node, char) edges:
 * longest-prefix matching walks the text in place, without building candidate substrings.
 * Immutable once built; thread-safe.
 */
final class Trie {
  private static final int ROOT = 0;
  static final int TERMINAL = 1 << 23;
  static final int CHILD = TERMINAL - 1;
  /**
   * Per edge, one long: key (node << 16 | char) << 24, a terminal bit (a token ends at the child)
   * and the child (23 bits); 0 is empty (no edge leads back to the root). Eight bytes an edge
   * keep the hot part of a 30k-token vocabulary in cache.
   */
  private final long[] slots;
  /** The id of the token ending at each node (-1 for none), or null: then it is node - 1. */
  private final int[] ids;
  private final int mask;
  private final int shift;
  /** The root's edges by char: terminal bit | child, or 0. */
  private final int[] rootEdges;

  private Trie(long[] slots, int[] ids, int bits) {
    this.slots = slots;
    this.ids = ids;
    this.mask = (1 << bits) - 1;
    this.shift = 64 - bits;
    this.rootEdges = edgesOf(ROOT);
  }

  /** The id of the token that ends at {@code node}, a terminal node. */
  private int id(int node) {
    return ids == null ? node - 1 : ids[node];
  }

  private static long key(int node, char c) {
    return ((long) node << 16) | c;
  }

  private int slot(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
  }

  /** The edges of {@code node} as a table by char (terminal bit | child, or 0). */
  int[] edgesOf(int node) {
    int[] t = new int[65536];
    for (long x : slots) {
      if (x != 0 && (int) (x >>> 40) == node) {
        t[(int) (x >>> 24) & 0xFFFF] = (int) (x & 0xFFFFFF);
      }
    }
    return t;
  }

  /** The root's edge table, for {@link #longestMatch}. */
  int[] rootEdges() {
    return rootEdges;
  }

  /**
   * The edge of {@code node} on {@code c}: {@link #TERMINAL} bit | child, or 0 when there is none.
   * For walks that need every token along a path (Unigram's lattice), not only the longest.
   */
  int edge(int node, char c) {
    int k = slotOf(key(node, c));
    return k < 0 ? 0 : (int) (slots[k] & 0xFFFFFF);
  }

  /**
   * Per node, a mask of the chars its edges take (bit {@code c & 63}): a walk that finds the bit
   * of its next char clear knows there is no edge without probing the hash (most probes of a
   * Unigram lattice end a walk, and miss).
   */
  long[] childMasks() {
    int max = 0;
    for (long x : slots) {
      if (x != 0) {
        max = Math.max(max, Math.max((int) (x >>> 40), (int) x & CHILD));
      }
    }
    long[] m = new long[max + 1];
    for (long x : slots) {
      if (x != 0) {
        m[(int) (x >>> 40)] |= 1L << ((x >>> 24) & 63);
      }
    }
    return m;
  }

  /** The id of the token that ends at {@code node} (a node reached over a terminal edge). */
  int tokenId(int node) {
    return id(node);
  }

  /** The child of {@code node} on {@code c}, or -1. */
  int child(int node, char c) {
    int k = slotOf(key(node, c));
    return k < 0 ? -1 : (int) slots[k] & CHILD;
  }

  /** The node reached from the root by {@code s}, or -1. */
  int walk(String s) {
    int node = ROOT;
    for (int i = 0; i < s.length() && node >= 0; i++) {
      node = child(node, s.charAt(i));
    }
    return node;
  }

  /**
   * The nodes two ASCII chars below the node whose edge table is {@code first}, by
   * {@code c0 << 7 | c1}: terminal bit | child, or 0. One lookup in 64 KB replaces the first hash
   * probe of most words, whose chain of dependent probes is what matching costs.
   */
  int[] pairsOf(int[] first) {
    int[] p = new int[1 << 14];
    for (int c0 = 0; c0 < 128; c0++) {
      int e = first[c0];
      if (e == 0) {
        continue;
      }
      for (int c1 = 0; c1 < 128; c1++) {
        int k = slotOf(key(e & CHILD, (char) c1));
        if (k >= 0) {
          p[c0 << 7 | c1] = (int) (slots[k] & 0xFFFFFF);
        }
      }
    }
    return p;
  }

  /** The slot of the edge with key {@code k}, or -1. */
  private int slotOf(long k) {
    for (int i = slot(k); ; i = (i + 1) & mask) {
      long x = slots[i];
      if (x == 0) {
        return -1;
      }
      if (x >>> 24 == k) {
        return i;
      }
    }
  }

  /**
   * The longest token that {@code a[from..to)} starts with, from the node whose edge table
   * ({@link #edgesOf}) is {@code first} and pair table ({@link #pairsOf}) is {@code pairs} (or
   * null, for tries not worth a pair table): returns {@code end << 32 | id}, or -1 when no token
   * matches.
   */
  long longestMatch(char[] a, int from, int to, int[] first, int[] pairs) {
    if (from >= to) {
      return -1;
    }
    char c0 = a[from];
    int e = first[c0];
    if (e == 0) {
      return -1;
    }
    int node = e & CHILD;
    int bestNode = (e & TERMINAL) != 0 ? node : -1;
    int bestEnd = from + 1;
    int j = from + 1;
    if (pairs != null && j < to) {
      char c1 = a[j];
      if ((c0 | c1) < 128) {
        int p = pairs[c0 << 7 | c1];
        if (p == 0) {
          return bestNode < 0 ? -1 : ((long) bestEnd << 32) | id(bestNode);
        }
        node = p & CHILD;
        j++;
        if ((p & TERMINAL) != 0) {
          bestNode = node;
          bestEnd = j;
        }
      }
    }
    long[] s = slots;
    int m = mask;
    for (; j < to; j++) {
      long k = key(node, a[j]);
      int i = slot(k);
      long x;
      while ((x = s[i]) >>> 24 != k) {
        if (x == 0) {
          return bestNode < 0 ? -1 : ((long) bestEnd << 32) | id(bestNode);
        }
        i = (i + 1) & m;
      }
      node = (int) x & CHILD;
      if ((x & TERMINAL) != 0) {
        bestNode = node;
        bestEnd = j + 1;
      }
    }
    return bestNode < 0 ? -1 : ((long) bestEnd << 32) | id(bestNode);
  }

  static final class Builder {
    // edges in a growing open-addressing table of their own: no boxing, even for huge vocabularies
    private long[] keys = new long[1 << 10];
    private int[] children = new int[1 << 10];
    private int edges;
    private int[] ids = new int[1024];
    private int nodes = 1;

    Builder() {
      Arrays.fill(ids, -1);
      Arrays.fill(keys, -1L);
    }

    private static int slot(long key, int mask) {
      return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }

    void put(String token, int id) {
      int node = 0;
      for (int i = 0; i < token.length(); i++) {
        long k = key(node, token.charAt(i));
        int mask = keys.length - 1;
        int j = slot(k, mask);
        while (keys[j] != -1L && keys[j] != k) {
          j = (j + 1) & mask;
        }
        if (keys[j] == k) {
          node = children[j];
          continue;
        }
        if (nodes == ids.length) {
          int old = ids.length;
          ids = Arrays.copyOf(ids, old * 2);
          Arrays.fill(ids, old, ids.length, -1);
        }
        int next = nodes++;
        keys[j] = k;
        children[j] = next;
        if (++edges * 2 > keys.length) {
          grow();
        }
        node = next;
      }
      ids[node] = id;
    }

    private void grow() {
      long[] ok = keys;
      int[] oc = children;
      keys = new long[ok.length * 2];
      children = new int[ok.length * 2];
      Arrays.fill(keys, -1L);
      int mask = keys.length - 1;
      for (int i = 0; i < ok.length; i++) {
        if (ok[i] != -1L) {
          int j = slot(ok[i], mask);
          while (keys[j] != -1L) {
            j = (j + 1) & mask;
          }
          keys[j] = ok[i];
          children[j] = oc[i];
        }
      }
    }

    Trie build() {
      // Renumber the nodes so that a token's node is its id + 1 (the root stays 0): a match then
      // needs no lookup of its id in a separate array. Kept as built when ids repeat or are too
      // large, with the array.
      int[] number = new int[nodes];
      int[] nodeIds = null;
      int maxId = -1;
      int inner = 0;
      java.util.BitSet seen = new java.util.BitSet();
      boolean renumber = true;
      for (int node = 1; node < nodes; node++) {
        int id = ids[node];
        if (id < 0) {
          inner++;
        } else if (seen.get(id)) {
          renumber = false;
        } else {
          seen.set(id);
          maxId = Math.max(maxId, id);
        }
      }
      if (renumber && (long) maxId + 2 + inner <= CHILD) {
        int next = maxId + 2;
        for (int node = 1; node < nodes; node++) {
          number[node] = ids[node] >= 0 ? ids[node] + 1 : next++;
        }
      } else if (nodes > CHILD) {
        throw new IllegalStateException("a trie of " + nodes + " nodes is too large");
      } else {
        for (int node = 0; node < nodes; node++) {
          number[node] = node;
        }
        nodeIds = Arrays.copyOf(ids, nodes);
      }
      int bits = 4;
      while ((1 << bits) < edges * 2 + 2) {
        bits++;
      }
      long[] slots = new long[1 << bits];
      int sh = 64 - bits;
      int m = (1 << bits) - 1;
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] != -1L) {
          long k = key(number[(int) (keys[i] >>> 16)], (char) keys[i]);
          int j = (int) ((k * 0x9E3779B97F4A7C15L) >>> sh);
          while (slots[j] != 0) {
            j = (j + 1) & m;
          }
          int child = children[i];
          slots[j] = (k << 24) | (ids[child] >= 0 ? TERMINAL : 0) | number[child];
        }
      }
      return new Trie(slots, nodeIds, bits);
    }
  }
}
