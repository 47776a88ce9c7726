package io.model2vec.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * A pure-Java Unigram tokenizer (SentencePiece-style models: XLM-R, bge-m3, multilingual-e5,
 * T5, potion-multilingual) that returns exactly the ids of the HuggingFace library for the
 * {@code tokenizer.json} files it accepts.
 *
 * <p>The pipeline is the library's: added tokens matched on the raw text (leftmost-longest, with
 * their lstrip/rstrip), each text piece between them normalized ({@link UnigramNormalizer}),
 * pre-tokenized ({@code Metaspace} with its prepend scheme and split, {@code WhitespaceSplit}),
 * then Viterbi over the vocabulary scores: candidates visited in the library's order (start
 * position, then length) and replaced only by a strictly better score, an unknown node of score
 * {@code min_score - 10} where no single-character piece exists, consecutive unknown nodes fused
 * into one token, and byte fallback ({@code <0xAB>} pieces) where the model sets it.
 *
 * <p>{@link #unsupported} refuses every configuration it does not implement (the caller then uses
 * {@link NativeTokenizer}). Texts it cannot prove identical go to the native library whole: texts
 * with an unpaired surrogate (the JNI layer decodes them lossily) and, when a normalizer depends
 * on Unicode data (NFKC, grapheme clusters of {@code Precompiled}), texts with a code point that
 * the JVM's Unicode version does not assign (the Rust crates know newer versions).
 *
 * <p>Thread-safe: tables are immutable, scratch buffers are per thread.
 */
final class UnigramTokenizer implements TokenIdEncoder {
  private static final double UNK_PENALTY = 10.0;
  private static final int NEVER = 0;
  private static final int FIRST = 1;
  private static final int ALWAYS = 2;
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final UnigramNormalizer normalizer;
  private final boolean whitespaceSplit;
  private final boolean metaspace;
  private final char replacement;
  private final int prepend;
  private final boolean split;
  private final Trie vocab;
  private final int[] rootEdges;
  /** {@link Trie#childMasks} of the vocabulary. */
  private final long[] childMasks;
  private final double[] scores;
  private final int unkId;
  private final double unkScore;
  /** Ids of the pieces {@code <0x00>..<0xFF>} (-1 where missing), or null without byte fallback. */
  private final int[] byteIds;
  private final Trie added;
  private final int[] addedEdges;
  private final int[] addedIds;
  private final boolean[] addedLstrip;
  private final boolean[] addedRstrip;
  private final NativeFallback nativeFallback;

  private UnigramTokenizer(JsonNode root, String tokenizerJson, String source) {
    this.nativeFallback = new NativeFallback(tokenizerJson, source);
    this.normalizer = UnigramNormalizer.build(root.get("normalizer"));
    JsonNode pre = root.get("pre_tokenizer");
    JsonNode meta = null;
    boolean ws = false;
    if (pre != null && !pre.isNull()) {
      for (JsonNode p : preTokenizers(pre)) {
        if ("Metaspace".equals(p.path("type").asText())) {
          meta = p;
        } else {
          ws = true;
        }
      }
    }
    this.whitespaceSplit = ws;
    this.metaspace = meta != null;
    this.replacement = meta == null ? '\u2581' : meta.path("replacement").asText("\u2581").charAt(0);
    this.prepend = meta == null ? NEVER : prependScheme(meta);
    this.split = meta != null && meta.path("split").asBoolean(true);

    JsonNode model = root.get("model");
    JsonNode pieces = model.get("vocab");
    Trie.Builder vb = new Trie.Builder();
    Map<String, Integer> ids = new HashMap<>();
    double[] sc = new double[pieces.size()];
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i < pieces.size(); i++) {
      String piece = pieces.get(i).get(0).asText();
      sc[i] = pieces.get(i).get(1).asDouble();
      min = Math.min(min, sc[i]);
      vb.put(piece, i); // a repeated piece keeps its last id, as the library's map does
      ids.put(piece, i);
    }
    this.vocab = vb.build();
    this.rootEdges = vocab.rootEdges();
    this.childMasks = vocab.childMasks();
    this.scores = sc;
    this.unkId = model.get("unk_id").asInt();
    this.unkScore = min - UNK_PENALTY;
    if (model.path("byte_fallback").asBoolean(false)) {
      byteIds = new int[256];
      for (int b = 0; b < 256; b++) {
        Integer id = ids.get(String.format("<0x%02X>", b));
        byteIds[b] = id == null ? -1 : id;
      }
    } else {
      byteIds = null;
    }

    JsonNode addedTokens = root.get("added_tokens");
    if (addedTokens != null && addedTokens.size() > 0) {
      Trie.Builder ab = new Trie.Builder();
      int n = addedTokens.size();
      addedIds = new int[n];
      addedLstrip = new boolean[n];
      addedRstrip = new boolean[n];
      for (int i = 0; i < n; i++) {
        JsonNode t = addedTokens.get(i);
        ab.put(t.get("content").asText(), i);
        addedIds[i] = t.get("id").asInt();
        addedLstrip[i] = t.path("lstrip").asBoolean(false);
        addedRstrip[i] = t.path("rstrip").asBoolean(false);
      }
      this.added = ab.build();
      this.addedEdges = added.rootEdges();
    } else {
      this.added = null;
      this.addedEdges = null;
      this.addedIds = null;
      this.addedLstrip = null;
      this.addedRstrip = null;
    }
  }

  private static JsonNode[] preTokenizers(JsonNode pre) {
    if ("Sequence".equals(pre.path("type").asText())) {
      JsonNode list = pre.path("pretokenizers");
      JsonNode[] out = new JsonNode[list.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = list.get(i);
      }
      return out;
    }
    return new JsonNode[] {pre};
  }

  private static int prependScheme(JsonNode meta) {
    JsonNode scheme = meta.get("prepend_scheme");
    if (scheme != null && !scheme.isNull()) {
      switch (scheme.asText()) {
        case "always":
          return ALWAYS;
        case "first":
          return FIRST;
        case "never":
          return NEVER;
        default:
          return -1;
      }
    }
    // files written before prepend_scheme existed
    JsonNode legacy = meta.get("add_prefix_space");
    return legacy == null || legacy.asBoolean(true) ? ALWAYS : NEVER;
  }

  /**
   * Why this tokenizer.json cannot be tokenized in Java with proven parity, or {@code null} when
   * it can.
   */
  static String unsupported(TokenizerInfo info) {
    JsonNode root = info.root;
    JsonNode model = root.get("model");
    if (!"Unigram".equals(info.modelType) || !"Unigram".equals(model.path("type").asText())) {
      return "model type " + info.modelType + " (Java implements WordPiece and Unigram)";
    }
    JsonNode pieces = model.get("vocab");
    if (pieces == null || !pieces.isArray() || pieces.size() == 0) {
      return "model.vocab is not a non-empty list";
    }
    for (int i = 0; i < pieces.size(); i++) {
      JsonNode p = pieces.get(i);
      if (!p.isArray() || p.size() != 2 || !p.get(0).isTextual() || !p.get(1).isNumber()
          || !Double.isFinite(p.get(1).asDouble())) {
        return "model.vocab[" + i + "] is not [\"piece\", finite score]";
      }
      String s = p.get(0).asText();
      if (s.isEmpty() || BertTokenizer.hasUnpairedSurrogate(s)) {
        return "model.vocab[" + i + "] is empty or has an unpaired surrogate";
      }
    }
    JsonNode unk = model.get("unk_id");
    if (unk == null || !unk.canConvertToInt() || unk.asInt() < 0 || unk.asInt() >= pieces.size()) {
      return "model.unk_id is missing or not an index into model.vocab";
    }
    JsonNode bf = model.get("byte_fallback");
    if (bf != null && !bf.isNull() && !bf.isBoolean()) {
      return "model.byte_fallback is not a boolean";
    }
    if (!BertTables.available()) {
      return "the BERT Unicode tables are missing from the classpath";
    }
    String norm = UnigramNormalizer.unsupported(root.get("normalizer"));
    if (norm != null) {
      return norm;
    }
    JsonNode pre = root.get("pre_tokenizer");
    if (pre != null && !pre.isNull()) {
      boolean ws = false;
      int metas = 0;
      for (JsonNode p : preTokenizers(pre)) {
        String type = p.path("type").asText();
        if (type.equals("WhitespaceSplit") && metas == 0 && !ws) {
          ws = true;
        } else if (type.equals("Metaspace") && metas == 0) {
          metas++;
          String r = p.path("replacement").asText("\u2581");
          if (r.length() != 1 || Character.isSurrogate(r.charAt(0)) || r.charAt(0) == ' ') {
            return "Metaspace replacement '" + r + "' is not one BMP character";
          }
          JsonNode sp = p.get("split");
          if (sp != null && !sp.isNull() && !sp.isBoolean()) {
            return "Metaspace.split is not a boolean";
          }
          int scheme = prependScheme(p);
          if (scheme < 0 || scheme == FIRST) {
            // "first" prepends only where the first normalized char comes from the text's first
            // char (not after a removed control char or stripped space): alignments are not
            // tracked here
            return "Metaspace prepend_scheme " + p.get("prepend_scheme");
          }
        } else {
          return "pre_tokenizer " + pre.path("type").asText() + (pre != p ? " with " + type : "")
              + " (Java implements Metaspace, WhitespaceSplit and a Sequence of them)";
        }
      }
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
    JsonNode added = root.get("added_tokens");
    if (added != null && !added.isNull()) {
      if (!added.isArray()) {
        return "added_tokens is not an array";
      }
      Map<String, Integer> ids = new HashMap<>();
      for (int i = 0; i < pieces.size(); i++) {
        ids.put(pieces.get(i).get(0).asText(), i);
      }
      for (JsonNode t : added) {
        String content = t.path("content").asText("");
        if (content.isEmpty() || BertTokenizer.hasUnpairedSurrogate(content)
            || isWhitespace(content.charAt(0))
            || isWhitespace(content.charAt(content.length() - 1))) {
          return "an added token is empty, has an unpaired surrogate or starts or ends with "
              + "whitespace";
        }
        for (String flag : new String[] {"normalized", "single_word", "lstrip", "rstrip"}) {
          if (t.has(flag) && !t.get(flag).isBoolean()) {
            return "added token '" + content + "' has a non-boolean '" + flag + "'";
          }
        }
        // normalized added tokens are matched after normalization, single_word with word
        // boundaries: not implemented here
        if (t.path("normalized").asBoolean(true) || t.path("single_word").asBoolean(false)) {
          return "added token '" + content + "' is normalized or single_word";
        }
        Integer id = ids.get(content);
        if (id == null || !t.path("id").canConvertToInt() || id != t.get("id").asInt()) {
          return "added token '" + content + "' is not in model.vocab with the same id";
        }
      }
    }
    return null;
  }

  private static boolean isWhitespace(char c) {
    return BertTables.get().space(c);
  }

  static UnigramTokenizer create(TokenizerInfo info, String tokenizerJson, String source) {
    return new UnigramTokenizer(info.root, tokenizerJson, source);
  }

  @Override
  public void encode(String text, IdBuffer out) {
    nativeFallback.checkOpen();
    out.size = 0;
    Scratch s = SCRATCH.get();
    int n = text.length();
    char[] in = s.input(n);
    text.getChars(0, n, in, 0);
    if (!provable(in, n) || !tokenize(in, n, s, out)) {
      out.size = 0;
      nativeFallback.encode(text, out);
    }
  }

  /** False for texts the Java path cannot prove identical (see the class comment). */
  private boolean provable(char[] in, int n) {
    boolean unicode = normalizer.usesJvmUnicode;
    for (int i = 0; i < n; i++) {
      char c = in[i];
      if (c < 0x300) {
        continue;
      }
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c) || i + 1 == n || !Character.isLowSurrogate(in[i + 1])) {
          return false;
        }
        if (unicode && Character.getType(Character.toCodePoint(c, in[i + 1]))
            == Character.UNASSIGNED) {
          return false;
        }
        i++;
      } else if (unicode && Character.getType(c) == Character.UNASSIGNED) {
        return false;
      }
    }
    return true;
  }

  /** Added tokens on the raw text, the pieces between them through the pipeline. */
  private boolean tokenize(char[] in, int n, Scratch s, IdBuffer out) {
    if (added == null) {
      return segment(in, 0, n, s, out);
    }
    int segStart = 0;
    for (int i = 0; i < n; ) {
      if (addedEdges[in[i]] == 0) {
        i++;
        continue;
      }
      long m = added.longestMatch(in, i, n, addedEdges, null);
      if (m < 0) {
        i++;
        continue;
      }
      int k = (int) m;
      int start = i;
      int end = (int) (m >>> 32);
      if (addedLstrip[k]) {
        while (start > segStart && isSpaceBefore(in, start)) {
          start -= Character.isLowSurrogate(in[start - 1]) ? 2 : 1;
        }
      }
      int stop = end;
      if (addedRstrip[k]) {
        while (stop < n && UnigramNormalizer.Spaces.is(Character.codePointAt(in, stop, n))) {
          stop += Character.charCount(Character.codePointAt(in, stop, n));
        }
      }
      if (start > segStart && !segment(in, segStart, start, s, out)) {
        return false;
      }
      out.add(addedIds[k]);
      segStart = stop;
      i = end; // the library's matcher goes on from the match's end, not after the stripping
    }
    return segStart >= n || segment(in, segStart, n, s, out);
  }

  private boolean isSpaceBefore(char[] in, int at) {
    return UnigramNormalizer.Spaces.is(Character.codePointBefore(in, at));
  }

  /** One piece of text without added tokens: normalize, pre-tokenize, Viterbi. */
  private boolean segment(char[] in, int from, int to, Scratch s, IdBuffer out) {
    StringBuilder seg = s.segment;
    seg.setLength(0);
    seg.append(in, from, to - from);
    StringBuilder norm = normalizer.normalize(seg, s.norm);
    if (norm == null) {
      return false;
    }
    int len = norm.length();
    if (len == 0) {
      return true;
    }
    char[] w = s.word(len + 1);
    norm.getChars(0, len, w, 0);
    if (!whitespaceSplit) {
      pretokenized(w, 0, len, s, out);
      return true;
    }
    for (int i = 0; i < len; ) {
      int cp = Character.codePointAt(w, i, len);
      if (UnigramNormalizer.Spaces.is(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      int j = i;
      while (j < len) {
        int c = Character.codePointAt(w, j, len);
        if (UnigramNormalizer.Spaces.is(c)) {
          break;
        }
        j += Character.charCount(c);
      }
      pretokenized(w, i, j, s, out);
      i = j;
    }
    return true;
  }

  /** Metaspace (if any) on {@code w[from..to)}, then the model on each of its words. */
  private void pretokenized(char[] w, int from, int to, Scratch s, IdBuffer out) {
    if (!metaspace) {
      viterbi(w, from, to, s, out);
      return;
    }
    char r = replacement;
    char[] m = s.meta(to - from + 1);
    int k = 0;
    // spaces become the replacement first: a text that then starts with it gets none prepended
    if (prepend == ALWAYS && w[from] != r && w[from] != ' ') {
      m[k++] = r;
    }
    for (int i = from; i < to; i++) {
      char c = w[i];
      m[k++] = c == ' ' ? r : c;
    }
    if (!split) {
      viterbi(m, 0, k, s, out);
      return;
    }
    // every replacement char starts a word (the library's MergedWithNext)
    int start = 0;
    for (int i = 1; i < k; i++) {
      if (m[i] == r) {
        viterbi(m, start, i, s, out);
        start = i;
      }
    }
    viterbi(m, start, k, s, out);
  }

  /** The best segmentation of {@code w[from..to)} (non-empty) into pieces, as the library finds it. */
  private void viterbi(char[] w, int from, int to, Scratch s, IdBuffer out) {
    int len = to - from;
    s.lattice(len + 1);
    double[] best = s.best;
    int[] startAt = s.startAt;
    int[] nodeId = s.nodeId;
    java.util.Arrays.fill(startAt, 0, len + 1, -1);
    best[0] = 0;
    Trie t = vocab;
    long[] masks = childMasks;
    for (int st = 0; st < len; ) {
      int at = from + st;
      double here = best[st];
      int cpLen = Character.isHighSurrogate(w[at]) && at + 1 < to
          && Character.isLowSurrogate(w[at + 1]) ? 2 : 1;
      boolean single = false;
      int e = rootEdges[w[at]];
      int pos = st + 1;
      while (e != 0) {
        int node = e & Trie.CHILD;
        if ((e & Trie.TERMINAL) != 0) {
          int id = t.tokenId(node);
          double cand = scores[id] + here;
          if (startAt[pos] < 0 || cand > best[pos]) {
            best[pos] = cand;
            startAt[pos] = st;
            nodeId[pos] = id;
          }
          if (pos - st == cpLen) {
            single = true;
          }
        }
        if (pos >= len) {
          break;
        }
        char c = w[from + pos];
        if ((masks[node] & 1L << c) == 0) {
          break; // no edge on c: spares the probe that would miss
        }
        e = t.edge(node, c);
        pos++;
      }
      if (!single) {
        int target = st + cpLen;
        double cand = unkScore + here;
        if (startAt[target] < 0 || cand > best[target]) {
          best[target] = cand;
          startAt[target] = st;
          nodeId[target] = unkId;
        }
      }
      st += cpLen;
    }
    // backtrack from the end; consecutive unknown nodes become one token
    int mark = out.size;
    int unkEnd = -1;
    for (int end = len; end > 0; ) {
      int st = startAt[end];
      int id = nodeId[end];
      if (id == unkId) {
        if (unkEnd < 0) {
          unkEnd = end;
        }
      } else {
        if (unkEnd >= 0) {
          addUnknown(w, from + end, from + unkEnd, s, out);
          unkEnd = -1;
        }
        out.add(id);
      }
      end = st;
    }
    if (unkEnd >= 0) {
      addUnknown(w, from, from + unkEnd, s, out);
    }
    // tokens were added last first; byte-fallback runs were added in order, so reverse them back
    reverse(out.ids, mark, out.size);
  }

  /**
   * The ids of a run of unknown characters {@code w[a..b)}, appended in REVERSE order (the caller
   * reverses the whole word): the piece itself if the vocabulary has it, else its UTF-8 bytes
   * as {@code <0xAB>} pieces when byte fallback is on and all of them exist, else the unk id.
   */
  private void addUnknown(char[] w, int a, int b, Scratch s, IdBuffer out) {
    int exact = exactId(w, a, b);
    if (exact >= 0) {
      out.add(exact);
      return;
    }
    if (byteIds != null) {
      byte[] bytes = new String(w, a, b - a).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      boolean all = true;
      for (byte x : bytes) {
        if (byteIds[x & 0xFF] < 0) {
          all = false;
          break;
        }
      }
      if (all) {
        for (int i = bytes.length - 1; i >= 0; i--) {
          out.add(byteIds[bytes[i] & 0xFF]);
        }
        return;
      }
    }
    out.add(unkId);
  }

  /** The id of the piece {@code w[a..b)}, or -1. */
  private int exactId(char[] w, int a, int b) {
    int e = rootEdges[w[a]];
    for (int i = a + 1; e != 0 && i < b; i++) {
      e = vocab.edge(e & Trie.CHILD, w[i]);
    }
    return e != 0 && (e & Trie.TERMINAL) != 0 ? vocab.tokenId(e & Trie.CHILD) : -1;
  }

  private static void reverse(int[] a, int from, int to) {
    for (int i = from, j = to - 1; i < j; i++, j--) {
      int x = a[i];
      a[i] = a[j];
      a[j] = x;
    }
  }

  /** How many texts went to the native library (see the class comment). */
  long fallbacks() {
    return nativeFallback.count();
  }

  @Override
  public String name() {
    return "java-unigram";
  }

  @Override
  public void close() {
    nativeFallback.close();
  }

  private static final class Scratch {
    char[] in = new char[1024];
    char[] word = new char[1024];
    char[] meta = new char[1024];
    double[] best = new double[256];
    int[] startAt = new int[256];
    int[] nodeId = new int[256];
    final StringBuilder segment = new StringBuilder(256);
    final UnigramNormalizer.Scratch norm = new UnigramNormalizer.Scratch();

    char[] input(int n) {
      if (in.length < n) {
        if (n > 1 << 16) {
          return new char[n]; // a huge text: not kept for the thread's lifetime
        }
        in = new char[Math.max(n, in.length * 2)];
      }
      return in;
    }

    char[] word(int n) {
      if (word.length < n) {
        word = new char[Math.max(n, word.length * 2)];
      }
      return word;
    }

    char[] meta(int n) {
      if (meta.length < n) {
        meta = new char[Math.max(n, meta.length * 2)];
      }
      return meta;
    }

    void lattice(int n) {
      if (best.length < n) {
        int m = Math.max(n, best.length * 2);
        best = new double[m];
        startAt = new int[m];
        nodeId = new int[m];
      }
    }
  }
}
