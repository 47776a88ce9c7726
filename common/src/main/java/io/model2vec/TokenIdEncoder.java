package io.model2vec;

/**
 * Turns text into token ids without special tokens. Implementations are thread-safe and write
 * into a caller-owned {@link IdBuffer}, so the encode path allocates nothing per token.
 */
interface TokenIdEncoder extends AutoCloseable {
  /** Clears {@code out} and fills it with the ids of {@code text}. */
  void encode(String text, IdBuffer out);

  /** A short name for logs and benchmarks ("native", "wordpiece", …). */
  String name();

  @Override
  void close();
}
