package io.model2vec.tokenizer;

/**
 * Turns text into token ids without special tokens. Implementations are thread-safe and write
 * into a caller-owned {@link IdBuffer}, so the encode path allocates nothing per token.
 *
 * <p>Internal: not part of the public API; may change without notice. (Public for the core in
 * {@code io.model2vec}.)
 */
public interface TokenIdEncoder extends AutoCloseable {
  /** Clears {@code out} and fills it with the ids of {@code text}. */
  void encode(String text, IdBuffer out);

  /** A short name for logs and benchmarks ("native", "wordpiece", …). */
  String name();

  @Override
  void close();
}
