/**
 * Tokenizers of the core: text to token ids without special tokens, id for id as HuggingFace's
 * library. {@link io.model2vec.tokenizer.Tokenizers} picks the pure-Java
 * {@link io.model2vec.tokenizer.BertTokenizer} (WordPiece, {@link io.model2vec.tokenizer.Trie},
 * {@link io.model2vec.tokenizer.BertTables}) or {@link io.model2vec.tokenizer.UnigramTokenizer}
 * ({@link io.model2vec.tokenizer.UnigramNormalizer},
 * {@link io.model2vec.tokenizer.PrecompiledCharsmap}) where they reproduce the model's tokenizer,
 * else {@link io.model2vec.tokenizer.NativeTokenizer} (the library through DJL); the Java ones
 * hand a text they do not cover to the native one ({@link io.model2vec.tokenizer.NativeFallback}).
 *
 * <p>Internal: not part of the public API; may change without notice. The public classes here are
 * public for the core in {@code io.model2vec} only; users tokenize through
 * {@link io.model2vec.StaticModel#tokenize} and {@link io.model2vec.TokenIds}.
 */
package io.model2vec.tokenizer;
