package io.model2vec;

import java.util.Arrays;

/**
 * A character trie of token strings, stored as one open-addressing hash of (node, char) edges:
 * longest-prefix matching walks the text in place, without building candidate substrings.
 * Immutable once built; thread-safe.
 */
final class Trie {
  final int root = 0;
  /**
   * Per edge slot: [key = node << 16 | char], [child << 32 | id of the child's token or -1]: one
   * slot read per character gives the match, the next node and whether a token ends there.
   */
  private final long[] slots;
  private final int[] ids;
  private final int mask;
  private final int shift;

  private Trie(long[] slots, int[] ids, int bits) {
    this.slots = slots;
    this.ids = ids;
    this.mask = (1 << bits) - 1;
    this.shift = 64 - bits;
  }

  private static long key(int node, char c) {
    return ((long) node << 16) | c;
  }

  private int slot(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
  }

  /** The child of {@code node} on {@code c}, or -1. */
  int child(int node, char c) {
    long k = key(node, c);
    long[] s = slots;
    int m = mask;
    for (int i = slot(k); ; i = (i + 1) & m) {
      long x = s[2 * i];
      if (x == k) {
        return (int) (s[2 * i + 1] >>> 32);
      }
      if (x == -1L) {
        return -1;
      }
    }
  }

  /** The node reached from the root by {@code s}, or -1. */
  int walk(String s) {
    int node = root;
    for (int i = 0; i < s.length() && node >= 0; i++) {
      node = child(node, s.charAt(i));
    }
    return node;
  }

  /** The id of exactly {@code s}, or -1. */
  int exactId(String s) {
    int node = walk(s);
    return node < 0 ? -1 : ids[node];
  }

  /**
   * The longest token that {@code a[from..to)} starts with, walking from {@code node}: returns
   * {@code end << 32 | id}, or -1 when no token matches.
   */
  long longestMatch(char[] a, int from, int to, int node) {
    long best = -1;
    long[] s = slots;
    int m = mask;
    for (int j = from; j < to; j++) {
      long k = key(node, a[j]);
      int i = slot(k);
      long x;
      while ((x = s[2 * i]) != k) {
        if (x == -1L) {
          return best;
        }
        i = (i + 1) & m;
      }
      long v = s[2 * i + 1];
      node = (int) (v >>> 32);
      int id = (int) v;
      if (id >= 0) {
        best = ((long) (j + 1) << 32) | id;
      }
    }
    return best;
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
      int bits = 4;
      while ((1 << bits) < edges * 2 + 2) {
        bits++;
      }
      long[] slots = new long[2 << bits];
      for (int i = 0; i < slots.length; i += 2) {
        slots[i] = -1L;
      }
      int[] nodeIds = Arrays.copyOf(ids, nodes);
      Trie t = new Trie(slots, nodeIds, bits);
      for (int i = 0; i < keys.length; i++) {
        if (keys[i] != -1L) {
          int j = t.slot(keys[i]);
          while (slots[2 * j] != -1L) {
            j = (j + 1) & t.mask;
          }
          slots[2 * j] = keys[i];
          slots[2 * j + 1] = ((long) children[i] << 32) | (nodeIds[children[i]] & 0xFFFFFFFFL);
        }
      }
      return t;
    }
  }
}
