package io.model2vec.index;

import java.util.Locale;

/** How the index stores the vectors its HNSW graph searches. */
public enum Quantization {
  /** 32-bit floats (Lucene99HnswVectorsFormat). */
  NONE("none"),
  /**
   * Scalar quantization to one byte per dimension (Lucene99HnswScalarQuantizedVectorsFormat, 7
   * bits, as Elasticsearch's {@code int8_hnsw}): the searched vectors take a quarter of the
   * memory; Lucene keeps the floats on disk as well, for merging and exact search.
   */
  INT8("int8");

  private final String id;

  Quantization(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** {@code none} or {@code int8} (case-insensitive); null is none. */
  public static Quantization parse(String value) {
    if (value == null) {
      return NONE;
    }
    for (Quantization q : values()) {
      if (q.id.equals(value.trim().toLowerCase(Locale.ROOT))) {
        return q;
      }
    }
    throw new IllegalArgumentException("quantization must be none or int8, was '" + value + "'");
  }
}
