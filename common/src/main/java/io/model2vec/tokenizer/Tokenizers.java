package io.model2vec.tokenizer;

import io.model2vec.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the tokenizer implementation for a model: the pure-Java {@link BertTokenizer} or
 * {@link UnigramTokenizer} when the tokenizer.json is one it reproduces id for id (BERT WordPiece;
 * SentencePiece-style Unigram), else the HuggingFace library
 * itself ({@link NativeTokenizer}). {@code -Dmodel2vec.tokenizer=native} forces the native one
 * (for comparisons and as an escape hatch).
 *
 * <p>Internal: not part of the public API; may change without notice. (Public for the core in
 * {@code io.model2vec}.)
 */
public final class Tokenizers {
  private static final Logger LOG = LoggerFactory.getLogger(Tokenizers.class);

  private Tokenizers() {}

  public static TokenIdEncoder create(String tokenizerJson, TokenizerInfo info, String source) {
    String choice = Settings.TOKENIZER.get();
    if (choice.equals("auto")) {
      String why = BertTokenizer.unsupported(info);
      if (why == null) {
        return BertTokenizer.create(info, tokenizerJson, source);
      }
      if ("Unigram".equals(info.modelType)) {
        why = UnigramTokenizer.unsupported(info);
        if (why == null) {
          return UnigramTokenizer.create(info, tokenizerJson, source);
        }
        // a Unigram model that the Java path does not cover: say why, it runs slower
        LOG.info("{}: native Unigram tokenizer, because of {}", source, why);
        return new NativeTokenizer(tokenizerJson, source);
      }
      LOG.debug("{}: native tokenizer, because of {}", source, why);
    }
    return new NativeTokenizer(tokenizerJson, source);
  }
}
