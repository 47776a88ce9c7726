package io.model2vec;

import io.model2vec.tokenizer.TokenizerInfo;

/**
 * What the encoder reads from a {@code tokenizer.json} besides tokenizing, for tools that write
 * or inspect models (distillation, benchmarks): the one reader of these facts, so that a tool and
 * the encoder never disagree on them.
 */
public final class TokenizerMetadata {
  private final TokenizerInfo info;

  private TokenizerMetadata(TokenizerInfo info) {
    this.info = info;
  }

  /** Reads {@code tokenizerJson}; {@code source} names it in error messages. */
  public static TokenizerMetadata of(String tokenizerJson, String source) {
    return new TokenizerMetadata(TokenizerInfo.parse(tokenizerJson, source));
  }

  /** {@code WordPiece}, {@code Unigram}, {@code BPE} or {@code WordLevel}. */
  public String modelType() {
    return info.modelType;
  }

  /** One past the largest id the tokenizer produces (model vocabulary and added tokens). */
  public int vocabularySize() {
    return info.vocabSize;
  }

  /** The id that encoding drops as unknown, or -1 when none is declared. */
  public int unknownId() {
    return info.unkId;
  }

  /** The median token length in code points, which drives character truncation. */
  public int medianTokenLength() {
    return info.medianTokenLength;
  }
}
