package io.model2vec.tokenizer;

import java.util.Arrays;

/**
 * A growable int array, reused per thread to carry token ids without boxing.
 *
 * <p>Internal: not part of the public API; may change without notice. (Public for the core in
 * {@code io.model2vec}.)
 */
public final class IdBuffer {
  public int[] ids;
  public int size;

  public IdBuffer(int capacity) {
    ids = new int[Math.max(capacity, 16)];
  }

  public void clear() {
    size = 0;
  }

  public void add(int id) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, ids.length * 2);
    }
    ids[size++] = id;
  }

  public void ensureCapacity(int n) {
    if (ids.length < n) {
      ids = Arrays.copyOf(ids, Math.max(n, ids.length * 2));
    }
  }

  public int[] toArray() {
    return Arrays.copyOf(ids, size);
  }
}
