package io.model2vec.index;

/** A bad or incomplete index folder, or a query that does not fit the index: one line. */
public final class IndexException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IndexException(String message) {
    super(message);
  }

  public IndexException(String message, Throwable cause) {
    super(message, cause);
  }
}
