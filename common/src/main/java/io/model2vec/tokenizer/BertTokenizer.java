package io.model2vec.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * A pure-Java BERT tokenizer (BertNormalizer, BertPreTokenizer, WordPiece) that returns exactly
 * the ids of the HuggingFace library for the {@code tokenizer.json} files it accepts, with no
 * allocation per word or token.
 *
 * <p>How it stays identical to the native library:
 * <ul>
 *   <li>Every per-character rule (control characters, whitespace, punctuation, accents, NFD,
 *       lowercase) comes from {@link BertTables}, which was read off the native library itself,
 *       code point by code point: the Rust crates use older Unicode tables than any JVM, so the
 *       JVM's {@code Character} data would differ on hundreds of characters.
 *   <li>{@link #unsupported} refuses, at load time, every configuration it does not implement
 *       (the caller then uses {@link NativeTokenizer}).
 *   <li>Added tokens are matched on the raw text before normalization, leftmost-longest, as the
 *       library's added-vocabulary pass does; the text between them is tokenized on its own.
 *   <li>Texts the Java path cannot prove identical are handed to the native library whole: texts
 *       with an unpaired surrogate (the JNI layer decodes such strings lossily, which also drops
 *       every other non-BMP character) and, with strip_accents, texts with a combining mark that
 *       survives accent stripping (NFD could reorder it).
 * </ul>
 *
 * <p>WordPiece: greedy longest match walks one trie of the whole vocabulary; continuation pieces
 * start from the node of the continuing-subword prefix ("##"), so no candidate substring is ever
 * built. Thread-safe: tables are immutable, scratch buffers are per thread.
 */
final class BertTokenizer implements TokenIdEncoder {
  // per-character entry of the BMP table: kind in bits 16..18, output char (or complex index)
  // in bits 0..15
  private static final int WORD = 0;
  private static final int ISOLATED = 1 << 16;
  private static final int SPACE = 2 << 16;
  private static final int REMOVED = 3 << 16;
  private static final int COMPLEX = 4 << 16;
  private static final int FALLBACK = 5 << 16;
  private static final int KIND = 7 << 16;
  /** Set on the chars an added token starts with: one table lookup per char tests both. */
  private static final int ADDED = 8 << 16;
  // element classes inside a complex output: code point | class << 21
  private static final int EL_WORD = 0;
  private static final int EL_ISOLATED = 1 << 21;
  private static final int EL_SPACE = 2 << 21;
  private static final int EL_CP = (1 << 21) - 1;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final boolean cleanText;
  private final boolean stripAccents;
  private final boolean lowercase;
  private final BertTables tables;
  private final int[] bmp;
  private final int[][] complex;
  /** The vocabulary; continuation pieces start at the node of the prefix. */
  private final Trie vocab;
  private final int[] rootEdges;
  /** Edges of the prefix's node ("##"), or null when no token starts with the prefix. */
  private final int[] continuationEdges;
  /** {@link Trie#pairsOf} the root and the prefix's node (null when continuationEdges is). */
  private final int[] rootPairs;
  private final int[] continuationPairs;
  private final int unkId;
  private final int maxInputChars;
  /** Added tokens, matched on raw text; null when there are none. */
  private final Trie added;
  /** The added trie's root edges ({@link Trie#longestMatch}); {@link #ADDED} marks them in bmp. */
  private final int[] addedEdges;
  private final NativeFallback nativeFallback;

  private BertTokenizer(JsonNode root, String tokenizerJson, String source) {
    JsonNode norm = root.get("normalizer");
    this.cleanText = norm.path("clean_text").asBoolean(true);
    this.lowercase = norm.path("lowercase").asBoolean(true);
    JsonNode strip = norm.get("strip_accents");
    this.stripAccents = strip == null || strip.isNull() ? lowercase : strip.asBoolean();
    this.nativeFallback = new NativeFallback(tokenizerJson, source);

    JsonNode model = root.get("model");
    String prefix = model.path("continuing_subword_prefix").asText("##");
    Trie.Builder vb = new Trie.Builder();
    for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String token = e.getKey();
      int id = e.getValue().asInt();
      vb.put(token, id);
    }
    this.unkId = model.get("vocab").get(model.get("unk_token").asText()).asInt();
    this.vocab = vb.build();
    int continuation = vocab.walk(prefix);
    this.rootEdges = vocab.rootEdges();
    this.continuationEdges = continuation < 0 ? null : vocab.edgesOf(continuation);
    this.rootPairs = vocab.pairsOf(rootEdges);
    this.continuationPairs = continuation < 0 ? null : vocab.pairsOf(continuationEdges);
    this.maxInputChars = model.path("max_input_chars_per_word").asInt(100);

    JsonNode addedTokens = root.get("added_tokens");
    if (addedTokens != null && addedTokens.size() > 0) {
      Trie.Builder ab = new Trie.Builder();
      for (JsonNode t : addedTokens) {
        ab.put(t.get("content").asText(), t.get("id").asInt());
      }
      this.added = ab.build();
      this.addedEdges = added.rootEdges();
    } else {
      this.added = null;
      this.addedEdges = null;
    }

    BertTables tables = BertTables.get();
    this.tables = tables;
    this.bmp = new int[65536];
    java.util.List<int[]> cx = new java.util.ArrayList<>();
    for (int c = 0; c < 65536; c++) {
      if (c >= 0xD800 && c <= 0xDFFF) {
        bmp[c] = FALLBACK; // reached only for unpaired surrogates
        continue;
      }
      int[] el = elements(tables, c);
      if (el == null) {
        bmp[c] = FALLBACK;
      } else if (el.length == 0) {
        bmp[c] = REMOVED;
      } else if (el.length == 1 && (el[0] & ~EL_CP) == EL_SPACE) {
        bmp[c] = SPACE;
      } else if (el.length == 1 && (el[0] & EL_CP) <= 0xFFFF) {
        bmp[c] = ((el[0] & ~EL_CP) == EL_ISOLATED ? ISOLATED : WORD) | (el[0] & EL_CP);
      } else {
        bmp[c] = COMPLEX | cx.size();
        cx.add(el);
      }
    }
    if (cx.size() > 0xFFFF) {
      throw new IllegalStateException("too many complex characters: " + cx.size());
    }
    this.complex = cx.toArray(new int[0][]);
    if (addedEdges != null) {
      for (int c = 0; c < 65536; c++) {
        if (addedEdges[c] != 0) {
          bmp[c] |= ADDED;
        }
      }
    }
  }

  /**
   * Why this tokenizer.json cannot be tokenized in Java with proven parity, or {@code null} when
   * it can.
   */
  static String unsupported(TokenizerInfo info) {
    JsonNode root = info.root;
    JsonNode model = root.get("model");
    if (!"WordPiece".equals(info.modelType) || !"WordPiece".equals(model.path("type").asText())) {
      return "model type " + info.modelType + " (only WordPiece is implemented in Java)";
    }
    JsonNode norm = root.get("normalizer");
    if (norm == null || !"BertNormalizer".equals(norm.path("type").asText())) {
      return "normalizer " + (norm == null ? "null" : norm.path("type").asText())
          + " (only BertNormalizer is implemented in Java)";
    }
    if (!norm.path("handle_chinese_chars").asBoolean(true)) {
      return "BertNormalizer with handle_chinese_chars=false";
    }
    for (String k : new String[] {"clean_text", "lowercase", "handle_chinese_chars"}) {
      if (norm.has(k) && !norm.get(k).isBoolean()) {
        return "BertNormalizer." + k + " is not a boolean";
      }
    }
    JsonNode strip = norm.get("strip_accents");
    if (strip != null && !strip.isNull() && !strip.isBoolean()) {
      return "BertNormalizer.strip_accents is not a boolean or null";
    }
    JsonNode pre = root.get("pre_tokenizer");
    if (pre == null || !"BertPreTokenizer".equals(pre.path("type").asText())) {
      return "pre_tokenizer " + (pre == null ? "null" : pre.path("type").asText())
          + " (only BertPreTokenizer is implemented in Java)";
    }
    JsonNode post = root.get("post_processor");
    if (post != null && !post.isNull()) {
      String type = post.path("type").asText();
      // without special tokens these add nothing to the ids
      if (!type.equals("TemplateProcessing") && !type.equals("BertProcessing")
          && !type.equals("RobertaProcessing")) {
        return "post_processor " + type;
      }
    }
    JsonNode vocab = model.get("vocab");
    if (vocab == null || !vocab.isObject() || vocab.size() == 0) {
      return "model.vocab is not a non-empty object";
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
        return "model.vocab['" + e.getKey() + "'] is not a non-negative int";
      }
      if (e.getKey().isEmpty() || e.getKey().length() > 0xFFFF
          || hasUnpairedSurrogate(e.getKey())) {
        return "model.vocab has an empty token or one with an unpaired surrogate";
      }
    }
    JsonNode unk = model.get("unk_token");
    if (unk == null || !unk.isTextual() || !vocab.has(unk.asText())) {
      return "model.unk_token is missing or not in model.vocab";
    }
    JsonNode prefix = model.get("continuing_subword_prefix");
    if (prefix != null && !prefix.isNull() && !prefix.isTextual()) {
      return "model.continuing_subword_prefix is not a string";
    }
    JsonNode max = model.get("max_input_chars_per_word");
    if (max != null && !max.isNull() && !max.canConvertToInt()) {
      return "model.max_input_chars_per_word is not an int";
    }
    JsonNode added = root.get("added_tokens");
    if (added != null && !added.isNull()) {
      if (!added.isArray()) {
        return "added_tokens is not an array";
      }
      for (JsonNode t : added) {
        String content = t.path("content").asText("");
        if (content.isEmpty() || hasUnpairedSurrogate(content)) {
          return "an added token is empty or has an unpaired surrogate";
        }
        // the library matches normalized added tokens after normalization, and honours the
        // word/whitespace flags with regexes: not implemented here
        for (String flag : new String[] {"normalized", "single_word", "lstrip", "rstrip"}) {
          if (!t.path(flag).isBoolean()) {
            return "added token '" + content + "' lacks a boolean '" + flag + "'";
          }
        }
        if (t.get("normalized").asBoolean() || t.get("single_word").asBoolean()
            || t.get("lstrip").asBoolean() || t.get("rstrip").asBoolean()) {
          return "added token '" + content + "' is normalized or has single_word/lstrip/rstrip";
        }
        // the library gives an added token the model's id for its content (or a new one)
        JsonNode id = vocab.get(content);
        if (id == null || !t.path("id").canConvertToInt() || id.asInt() != t.get("id").asInt()) {
          return "added token '" + content + "' is not in model.vocab with the same id";
        }
      }
    }
    if (!BertTables.available()) {
      return "the BERT Unicode tables are missing from the classpath";
    }
    return null;
  }

  static BertTokenizer create(TokenizerInfo info, String tokenizerJson, String source) {
    return new BertTokenizer(info.root, tokenizerJson, source);
  }

  static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /** The CJK ranges of the library's BertNormalizer, padded with spaces. */
  static boolean isChineseChar(int c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF)
        || (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F)
        || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
        || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
  }

  /** The kind of a supplementary code point, without allocating in the common cases. */
  private int supplementaryKind(int cp) {
    BertTables t = tables;
    if (cleanText && t.removed(cp)) {
      return REMOVED;
    }
    if (t.space(cp)) {
      return SPACE;
    }
    if (stripAccents && t.nonStarter(cp)) {
      return FALLBACK;
    }
    if ((stripAccents && t.changedByStrip(cp)) || (lowercase && t.changedByLower(cp))) {
      return COMPLEX;
    }
    return isChineseChar(cp) || t.punct(cp) ? ISOLATED : WORD;
  }

  /**
   * What the normalizer and pre-tokenizer make of one code point under this configuration:
   * elements (code point | class), or {@code null} when the text must go to the native library.
   */
  private int[] elements(BertTables t, int cp) {
    if (cleanText) {
      if (t.removed(cp)) {
        return new int[0];
      }
    }
    if (t.space(cp)) {
      return new int[] {EL_SPACE | ' '};
    }
    if (stripAccents && t.nonStarter(cp)) {
      return null;
    }
    int[] out = stripAccents ? t.nfd(cp) : new int[] {cp};
    if (lowercase) {
      int n = 0;
      int[][] parts = new int[out.length][];
      for (int i = 0; i < out.length; i++) {
        parts[i] = t.lower(out[i]);
        n += parts[i].length;
      }
      int[] low = new int[n];
      int k = 0;
      for (int[] p : parts) {
        System.arraycopy(p, 0, low, k, p.length);
        k += p.length;
      }
      out = low;
    }
    boolean chinese = isChineseChar(cp);
    int[] el = new int[out.length + (chinese ? 2 : 0)];
    int k = 0;
    if (chinese) {
      el[k++] = EL_SPACE | ' ';
    }
    for (int x : out) {
      el[k++] = x | (t.space(x) ? EL_SPACE : t.punct(x) ? EL_ISOLATED : EL_WORD);
    }
    if (chinese) {
      el[k++] = EL_SPACE | ' ';
    }
    return el;
  }

  @Override
  public void encode(String text, IdBuffer out) {
    nativeFallback.checkOpen();
    out.size = 0;
    Scratch s = SCRATCH.get();
    int n = text.length();
    char[] in = s.input(n);
    text.getChars(0, n, in, 0);
    if (!tokenize(in, n, s, out)) {
      nativeFallback.encode(text, out);
    }
  }

  /** Tokenizes {@code in[0..n)} into {@code out}; false when the text needs the native path. */
  private boolean tokenize(char[] in, int n, Scratch s, IdBuffer out) {
    char[] word = s.word;
    int wlen = 0;
    int wcps = 0;
    int[] table = bmp;
    for (int i = 0; i < n; ) {
      char ch = in[i];
      int e = table[ch];
      if ((e & ADDED) != 0) {
        long m = added.longestMatch(in, i, n, addedEdges, null);
        if (m >= 0) {
          if (wlen > 0) {
            wordPiece(word, wlen, wcps, out);
            wlen = 0;
            wcps = 0;
          }
          out.add((int) m);
          i = (int) (m >>> 32);
          continue;
        }
        e &= ~ADDED;
      }
      int kind = e & KIND;
      if (kind == WORD) {
        if (wlen == word.length) {
          if (wcps > maxInputChars) { // already [UNK]: count, do not store
            wcps++;
            i++;
            continue;
          }
          word = s.growWord();
        }
        word[wlen++] = (char) e;
        wcps++;
        i++;
        continue;
      }
      int[] el;
      if (kind == ISOLATED) {
        if (wlen > 0) {
          wordPiece(word, wlen, wcps, out);
          wlen = 0;
          wcps = 0;
        }
        word[0] = (char) e;
        wordPiece(word, 1, 1, out);
        i++;
        continue;
      } else if (kind == SPACE || kind == REMOVED) {
        if (kind == SPACE && wlen > 0) {
          wordPiece(word, wlen, wcps, out);
          wlen = 0;
          wcps = 0;
        }
        i++;
        continue;
      } else if (kind == COMPLEX) {
        el = complex[e & 0xFFFF];
        i++;
      } else {
        // a surrogate (pair or not) or a character that needs the native path
        if (!Character.isHighSurrogate(ch) || i + 1 == n || !Character.isLowSurrogate(in[i + 1])) {
          return false;
        }
        int cp = Character.toCodePoint(ch, in[i + 1]);
        i += 2;
        int k = supplementaryKind(cp);
        if (k == FALLBACK) {
          return false;
        } else if (k == REMOVED) {
          continue;
        } else if (k == COMPLEX) {
          el = elements(tables, cp); // rare: a character that strip_accents or lowercase changes
        } else {
          el = s.one;
          el[0] = cp | (k == WORD ? EL_WORD : k == ISOLATED ? EL_ISOLATED : EL_SPACE);
        }
      }
      for (int x : el) {
        int cls = x & ~EL_CP;
        int cp = x & EL_CP;
        if (cls == EL_WORD) {
          if (wlen + 2 > word.length) {
            if (wcps > maxInputChars) {
              wcps++;
              continue;
            }
            word = s.growWord();
          }
          wlen += Character.toChars(cp, word, wlen);
          wcps++;
        } else {
          if (wlen > 0) {
            wordPiece(word, wlen, wcps, out);
            wlen = 0;
            wcps = 0;
          }
          if (cls == EL_ISOLATED) {
            int len = Character.toChars(cp, word, 0);
            wordPiece(word, len, 1, out);
          }
        }
      }
    }
    if (wlen > 0) {
      wordPiece(word, wlen, wcps, out);
    }
    return true;
  }

  /** Greedy longest-match WordPiece of one word; the whole word is [UNK] if any piece fails. */
  private void wordPiece(char[] w, int len, int codePoints, IdBuffer out) {
    if (codePoints > maxInputChars) {
      out.add(unkId);
      return;
    }
    int mark = out.size;
    int start = 0;
    while (start < len) {
      int[] first = start == 0 ? rootEdges : continuationEdges;
      long m = first == null ? -1
          : vocab.longestMatch(w, start, len, first, start == 0 ? rootPairs : continuationPairs);
      if (m < 0) {
        out.size = mark;
        out.add(unkId);
        return;
      }
      out.add((int) m);
      start = (int) (m >>> 32);
    }
  }

  /** How many texts went to the native library (see the class comment). */
  long fallbacks() {
    return nativeFallback.count();
  }

  @Override
  public String name() {
    return "java-wordpiece";
  }

  @Override
  public void close() {
    nativeFallback.close();
  }

  private static final class Scratch {
    char[] in = new char[1024];
    char[] word = new char[256];
    /** The one element of a plain supplementary character, for the element loop. */
    final int[] one = new int[1];

    char[] input(int n) {
      if (in.length < n) {
        if (n > 1 << 16) {
          return new char[n]; // a huge text: not kept for the thread's lifetime
        }
        in = new char[Math.max(n, in.length * 2)];
      }
      return in;
    }

    char[] growWord() {
      // only words longer than 256 chars and not yet past max_input_chars_per_word get here
      word = java.util.Arrays.copyOf(word, word.length * 2);
      return word;
    }
  }
}
