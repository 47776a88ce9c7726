package io.model2vec.tokenizer;

/**
 * The HuggingFace library behind a Java tokenizer, for the texts the Java code hands over (the
 * rare characters it does not reproduce): created on first need, once, and closed with the Java
 * tokenizer. Shared by {@link BertTokenizer} and {@link UnigramTokenizer}.
 */
final class NativeFallback {
  private final String tokenizerJson;
  private final String source;
  private volatile NativeTokenizer tokenizer;
  private volatile boolean closed;
  private final java.util.concurrent.atomic.LongAdder count =
      new java.util.concurrent.atomic.LongAdder();

  NativeFallback(String tokenizerJson, String source) {
    this.tokenizerJson = tokenizerJson;
    this.source = source;
  }

  /** Throws when the owning tokenizer was closed (its model released). */
  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the tokenizer was closed (the model was released)");
    }
  }

  /** Encodes {@code text} with the library, counting the texts handed over. */
  void encode(String text, IdBuffer out) {
    count.increment();
    get().encode(text, out);
  }

  /** How many texts were handed to the library. */
  long count() {
    return count.sum();
  }

  private NativeTokenizer get() {
    NativeTokenizer t = tokenizer;
    if (t == null) {
      synchronized (this) {
        t = tokenizer;
        if (t == null) {
          t = new NativeTokenizer(tokenizerJson, source);
          tokenizer = t;
        }
      }
    }
    return t;
  }

  void close() {
    closed = true;
    NativeTokenizer t = tokenizer;
    if (t != null) {
      t.close();
    }
  }
}
