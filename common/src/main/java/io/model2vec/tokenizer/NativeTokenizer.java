package io.model2vec.tokenizer;

import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import io.model2vec.Model2VecException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;

/**
 * The HuggingFace tokenizers library (Rust, through DJL's JNI binding), asked for ids only.
 *
 * <p>DJL's {@code HuggingFaceTokenizer.encode} builds an {@code Encoding} with eight JNI calls
 * (ids, types, tokens, offsets, masks…); we need ids alone, so we call the three natives that
 * produce them. Padding and truncation are switched off: model2vec truncates by itself, and a
 * padded or truncated encoding would change the vectors.
 *
 * <p>The native handle is freed by a {@link Cleaner} once this object is unreachable, never by
 * {@link #close()}: a thread still inside {@code encode} would otherwise read freed memory and
 * crash the JVM. {@code close()} only refuses further calls.
 *
 * <p>Internal: not part of the public API; may change without notice. (Public for the core in
 * {@code io.model2vec}.)
 */
public final class NativeTokenizer implements TokenIdEncoder {
  private static final TokenizersLibrary LIB;

  static {
    // DJL's public factory "calls home" from EC2 hosts; the direct native path does not.
    LibUtils.checkStatus();
    LIB = TokenizersLibrary.LIB;
  }

  private static final Cleaner CLEANER = Cleaner.create();

  private final long handle;
  private volatile boolean closed;

  public NativeTokenizer(String tokenizerJson, String source) {
    long h;
    try {
      h = LIB.createTokenizerFromString(tokenizerJson);
    } catch (RuntimeException e) {
      throw new Model2VecException(source + " was rejected by the HuggingFace tokenizers library: "
          + e.getMessage(), e);
    }
    LIB.disablePadding(h);
    LIB.disableTruncation(h);
    this.handle = h;
    CLEANER.register(this, () -> LIB.deleteTokenizer(h));
  }

  @Override
  public void encode(String text, IdBuffer out) {
    if (closed) {
      throw new IllegalStateException("the tokenizer was closed (the model was released)");
    }
    long encoding = LIB.encode(handle, text, false);
    try {
      long[] ids = LIB.getTokenIds(encoding);
      out.size = 0;
      out.ensureCapacity(ids.length);
      int[] dst = out.ids;
      for (int i = 0; i < ids.length; i++) {
        dst[i] = (int) ids[i];
      }
      out.size = ids.length;
    } finally {
      LIB.deleteEncoding(encoding);
      Reference.reachabilityFence(this);
    }
  }

  @Override
  public String name() {
    return "native";
  }

  @Override
  public void close() {
    closed = true;
  }
}
