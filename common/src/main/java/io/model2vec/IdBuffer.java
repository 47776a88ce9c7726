package io.model2vec;

import java.util.Arrays;

/** A growable int array, reused per thread to carry token ids without boxing. */
final class IdBuffer {
  int[] ids;
  int size;

  IdBuffer(int capacity) {
    ids = new int[Math.max(capacity, 16)];
  }

  void clear() {
    size = 0;
  }

  void add(int id) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, ids.length * 2);
    }
    ids[size++] = id;
  }

  void ensureCapacity(int n) {
    if (ids.length < n) {
      ids = Arrays.copyOf(ids, Math.max(n, ids.length * 2));
    }
  }

  int[] toArray() {
    return Arrays.copyOf(ids, size);
  }
}
