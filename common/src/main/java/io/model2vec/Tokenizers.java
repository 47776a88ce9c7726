package io.model2vec;

/**
 * Chooses the tokenizer implementation for a model. Today: the HuggingFace tokenizers library
 * (native, through DJL), which is the reference implementation itself.
 */
final class Tokenizers {
  private Tokenizers() {}

  static TokenIdEncoder create(String tokenizerJson, TokenizerInfo info, String source) {
    return new NativeTokenizer(tokenizerJson, source);
  }
}
