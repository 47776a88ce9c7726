package io.model2vec.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The normalizers of a {@code tokenizer.json} that SentencePiece-style models use, as the
 * HuggingFace library applies them: {@code Sequence}, {@code Precompiled}, {@code Nmt},
 * {@code NFKC}/{@code NFC}/{@code NFD}/{@code NFKD}, {@code BertNormalizer}, {@code Replace} (a
 * string, or the whitespace-run regexes {@code \s+}, {@code " {2,}"}, {@code " +"}),
 * {@code Lowercase} and {@code Strip}. Per-character rules that the JVM's Unicode data would get
 * differently from the Rust crates (lowercase, whitespace, BERT's tables) come from
 * {@link BertTables}, which was read off the native library.
 */
final class UnigramNormalizer {
  /** One step: writes the normalization of {@code in} to {@code out}; false: use native. */
  private interface Step {
    boolean apply(CharSequence in, StringBuilder out, Scratch s);
  }

  private final Step[] steps;
  /** Whether a step depends on the JVM's Unicode data (then unassigned code points go native). */
  final boolean usesJvmUnicode;

  private UnigramNormalizer(Step[] steps, boolean usesJvmUnicode) {
    this.steps = steps;
    this.usesJvmUnicode = usesJvmUnicode;
  }

  /** Thread-local buffers of a normalization. */
  static final class Scratch {
    StringBuilder a = new StringBuilder(256);
    StringBuilder b = new StringBuilder(256);
    final byte[] bytes = new byte[32];
  }

  /**
   * Why {@code node} (a normalizer, possibly null) is not implemented here, or null when it is.
   */
  static String unsupported(JsonNode node) {
    try {
      build(node);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** The normalizer of {@code node}; IllegalArgumentException says what is not implemented. */
  static UnigramNormalizer build(JsonNode node) {
    List<Step> steps = new ArrayList<>();
    boolean[] jvm = new boolean[1];
    add(node, steps, jvm);
    return new UnigramNormalizer(merge(steps).toArray(new Step[0]), jvm[0]);
  }

  /**
   * Normalizes {@code in}; returns the buffer that holds the result (owned by {@code s}), or
   * null when the text must go to the native library.
   */
  StringBuilder normalize(CharSequence in, Scratch s) {
    CharSequence cur = in;
    StringBuilder out = s.a;
    for (Step step : steps) {
      out.setLength(0);
      if (!step.apply(cur, out, s)) {
        return null;
      }
      cur = out;
      out = out == s.a ? s.b : s.a;
    }
    if (cur == in) {
      StringBuilder r = s.a;
      r.setLength(0);
      r.append(in);
      return r;
    }
    return (StringBuilder) cur;
  }

  private static void add(JsonNode node, List<Step> steps, boolean[] jvm) {
    if (node == null || node.isNull()) {
      return;
    }
    String type = node.path("type").asText("");
    switch (type) {
      case "Sequence": {
        JsonNode list = node.get("normalizers");
        if (list == null || !list.isArray()) {
          throw new IllegalArgumentException("normalizer Sequence without a normalizers list");
        }
        for (JsonNode n : list) {
          add(n, steps, jvm);
        }
        return;
      }
      case "Precompiled": {
        JsonNode map = node.get("precompiled_charsmap");
        if (map == null || !map.isTextual() || map.asText().isEmpty()) {
          throw new IllegalArgumentException("normalizer Precompiled without a charsmap");
        }
        PrecompiledCharsmap pc = PrecompiledCharsmap.decode(map.asText());
        jvm[0] = true; // grapheme clusters
        steps.add((in, out, s) -> {
          pc.normalize(in, out, s.bytes);
          return true;
        });
        return;
      }
      case "Nmt":
        steps.add(UnigramNormalizer::nmt);
        return;
      case "NFKC":
      case "NFC":
      case "NFD":
      case "NFKD": {
        java.text.Normalizer.Form form = java.text.Normalizer.Form.valueOf(type);
        jvm[0] = true;
        steps.add((in, out, s) -> {
          if (jvmNormalizationMayDiffer(in)) {
            return false;
          }
          if (java.text.Normalizer.isNormalized(in, form)) {
            out.append(in);
          } else {
            out.append(java.text.Normalizer.normalize(in, form));
          }
          return true;
        });
        return;
      }
      case "BertNormalizer":
        steps.add(bert(node));
        return;
      case "Lowercase": {
        BertTables t = tables();
        steps.add((in, out, s) -> {
          for (int i = 0; i < in.length(); ) {
            int cp = Character.codePointAt(in, i);
            i += Character.charCount(cp);
            if (cp < 0x80) {
              out.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
            } else {
              for (int x : t.lower(cp)) {
                out.appendCodePoint(x);
              }
            }
          }
          return true;
        });
        return;
      }
      case "Strip": {
        boolean left = bool(node, "strip_left", true);
        boolean right = bool(node, "strip_right", true);
        BertTables t = tables();
        steps.add((in, out, s) -> {
          int a = 0;
          int b = in.length();
          if (left) {
            while (a < b) {
              int cp = Character.codePointAt(in, a);
              if (!Spaces.is(cp)) {
                break;
              }
              a += Character.charCount(cp);
            }
          }
          if (right) {
            while (b > a) {
              int cp = Character.codePointBefore(in, b);
              if (!Spaces.is(cp)) {
                break;
              }
              b -= Character.charCount(cp);
            }
          }
          out.append(in, a, b);
          return true;
        });
        return;
      }
      case "Replace":
        steps.add(replace(node));
        return;
      default:
        throw new IllegalArgumentException("normalizer " + (type.isEmpty() ? node : type)
            + " (not implemented in Java)");
    }
  }

  private static BertTables tables() {
    if (!BertTables.available()) {
      throw new IllegalArgumentException("the BERT Unicode tables are missing from the classpath");
    }
    return BertTables.get();
  }

  private static boolean bool(JsonNode node, String key, boolean dflt) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(node.path("type").asText() + "." + key
          + " is not a boolean");
    }
    return v.asBoolean();
  }

  /**
   * Whether the JVM's normalization of {@code in} may differ from the library's, whose Unicode
   * tables differ from the JVM's (UnigramNormalizerParityTest compares every code point): two BMP
   * characters of Unicode 12.1/13 that the JVM decomposes and the library does not, and
   * supplementary characters outside the blocks checked to agree (emoji and symbols
   * U+1F000..U+1FAFF but U+1F16C, mathematical alphanumerics, CJK extensions), and two marks in
   * a row, which canonical ordering may swap by combining classes that the two tables do not
   * always share.
   */
  static boolean jvmNormalizationMayDiffer(CharSequence in) {
    boolean previousMark = false;
    for (int i = 0; i < in.length(); i++) {
      char c = in.charAt(i);
      if (c < 0x300) {
        previousMark = false;
        continue;
      }
      // two marks in a row: canonical ordering, whose combining classes differ between the two
      boolean mark = isMark(Character.codePointAt(in, i));
      if (mark && previousMark) {
        return true;
      }
      previousMark = mark;
      if (c == 0x32FF || c == 0xAB69) {
        return true;
      }
      if (Character.isHighSurrogate(c) && i + 1 < in.length()) {
        int cp = Character.toCodePoint(c, in.charAt(i + 1));
        i++;
        boolean checked = (cp >= 0x1F000 && cp <= 0x1FAFF && cp != 0x1F16C)
            || (cp >= 0x1D400 && cp <= 0x1D7FF) || (cp >= 0x20000 && cp <= 0x3FFFF);
        if (!checked) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isMark(int cp) {
    int t = Character.getType(cp);
    return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK
        || t == Character.ENCLOSING_MARK;
  }

  /** White_Space (Rust's char::is_whitespace, as BertTables has it) as a table. */
  static final class Spaces {
    static final boolean[] BMP = new boolean[65536];

    static {
      BertTables t = BertTables.get();
      for (int c = 0; c < 65536; c++) {
        BMP[c] = t.space(c);
      }
    }

    static boolean is(int cp) {
      return cp < 0x10000 && BMP[cp]; // no supplementary code point is White_Space
    }
  }

  /** The library's Nmt normalizer: drops some control characters, maps others to a space. */
  private static boolean nmt(CharSequence in, StringBuilder out, Scratch s) {
    for (int i = 0; i < in.length(); i++) {
      char c = in.charAt(i);
      if ((c >= 0x0001 && c <= 0x0008) || c == 0x000B || (c >= 0x000E && c <= 0x001F)
          || c == 0x007F || c == 0x008F || c == 0x009F) {
        continue;
      }
      if (c == 0x0009 || c == 0x000A || c == 0x000C || c == 0x000D || c == 0x1680
          || (c >= 0x200B && c <= 0x200F) || c == 0x2028 || c == 0x2029 || c == 0x2581
          || c == 0xFEFF || c == 0xFFFD) {
        out.append(' ');
      } else {
        out.append(c);
      }
    }
    return true;
  }

  /** BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase, per char. */
  private static Step bert(JsonNode node) {
    boolean clean = bool(node, "clean_text", true);
    boolean chinese = bool(node, "handle_chinese_chars", true);
    boolean lower = bool(node, "lowercase", true);
    JsonNode sa = node.get("strip_accents");
    if (sa != null && !sa.isNull() && !sa.isBoolean()) {
      throw new IllegalArgumentException("BertNormalizer.strip_accents is not a boolean or null");
    }
    boolean strip = sa == null || sa.isNull() ? lower : sa.asBoolean();
    BertTables t = tables();
    // the output of every BMP char, computed once: null where a char stays itself, FALLBACK
    // where the text must go native
    String[] bmp = new String[65536];
    // a char that becomes one char (most): that char, without a String to append
    char[] single = new char[65536];
    StringBuilder one = new StringBuilder();
    for (int c = 0; c < 65536; c++) {
      single[c] = (char) c;
      if (Character.isSurrogate((char) c)) {
        continue;
      }
      one.setLength(0);
      if (!bertChar(c, clean, chinese, strip, lower, t, one)) {
        bmp[c] = FALLBACK;
      } else if (one.length() == 1) {
        single[c] = one.charAt(0);
      } else {
        bmp[c] = one.toString();
      }
    }
    return (in, out, s) -> {
      int n = in.length();
      for (int i = 0; i < n; i++) {
        char c = in.charAt(i);
        if (Character.isSurrogate(c)) {
          int cp = Character.codePointAt(in, i);
          if (Character.isSupplementaryCodePoint(cp)) {
            i++;
          }
          if (!bertChar(cp, clean, chinese, strip, lower, t, out)) {
            return false;
          }
          continue;
        }
        String r = bmp[c];
        if (r == null) {
          out.append(single[c]);
        } else if (r == FALLBACK) {
          return false;
        } else {
          out.append(r);
        }
      }
      return true;
    };
  }

  /** Marks the BMP chars whose BertNormalizer output needs the native library. */
  private static final String FALLBACK = new String("fallback");

  /** BertNormalizer's output of one code point, appended; false: the text must go native. */
  private static boolean bertChar(int cp, boolean clean, boolean chinese, boolean strip,
      boolean lower, BertTables t, StringBuilder out) {
    if (clean && t.removed(cp)) {
      return true;
    }
    if (clean && t.space(cp)) {
      out.append(' ');
      return true;
    }
    if (cp < 0x80) {
      out.append((char) (lower && cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
      return true;
    }
    if (strip && t.nonStarter(cp)) {
      return false; // NFD could reorder it with its neighbours
    }
    // padded first, then stripped and lowercased like any char (compatibility ideographs
    // decompose to unified ones)
    boolean pad = chinese && BertTokenizer.isChineseChar(cp);
    if (pad) {
      out.append(' ');
    }
    int[] base = strip ? t.nfd(cp) : null;
    if (base == null) {
      appendLower(out, cp, lower, t);
    } else {
      for (int x : base) {
        appendLower(out, x, lower, t);
      }
    }
    if (pad) {
      out.append(' ');
    }
    return true;
  }


  private static void appendLower(StringBuilder out, int cp, boolean lower, BertTables t) {
    if (!lower) {
      out.appendCodePoint(cp);
      return;
    }
    for (int x : t.lower(cp)) {
      out.appendCodePoint(x);
    }
  }

  /** A Replace of a single character: merged with its neighbours into one character map. */
  private static final class CharReplace implements Step {
    final Map<Integer, String> map = new HashMap<>();
    private String[] bmp;
    private Map<Integer, String> supplementary;

    /** This map followed by "every {@code from} becomes {@code to}". */
    void then(int from, String to) {
      for (Map.Entry<Integer, String> e : map.entrySet()) {
        e.setValue(e.getValue().replace(new String(Character.toChars(from)), to));
      }
      map.putIfAbsent(from, to);
    }

    void freeze() {
      bmp = new String[65536];
      supplementary = new HashMap<>();
      for (Map.Entry<Integer, String> e : map.entrySet()) {
        if (e.getKey() < 0x10000) {
          bmp[e.getKey()] = e.getValue();
        } else {
          supplementary.put(e.getKey(), e.getValue());
        }
      }
    }

    @Override
    public boolean apply(CharSequence in, StringBuilder out, Scratch s) {
      String[] t = bmp;
      for (int i = 0; i < in.length(); i++) {
        char c = in.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < in.length() && !supplementary.isEmpty()) {
          int cp = Character.codePointAt(in, i);
          String r = supplementary.get(cp);
          if (r != null) {
            out.append(r);
            i++;
            continue;
          }
        }
        String r = t[c];
        if (r == null) {
          out.append(c);
        } else {
          out.append(r);
        }
      }
      return true;
    }
  }

  private static final class StringReplace implements Step {
    final String pattern;
    final String content;

    StringReplace(String pattern, String content) {
      this.pattern = pattern;
      this.content = content;
    }

    @Override
    public boolean apply(CharSequence in, StringBuilder out, Scratch s) {
      // leftmost, non-overlapping, like str::replace (and the library's find_matches)
      int n = in.length();
      int m = pattern.length();
      int from = 0;
      char first = pattern.charAt(0);
      for (int i = 0; i + m <= n; ) {
        if (in.charAt(i) == first && regionMatches(in, i)) {
          out.append(in, from, i).append(content);
          i += m;
          from = i;
        } else {
          i++;
        }
      }
      out.append(in, from, n);
      return true;
    }

    private boolean regionMatches(CharSequence in, int at) {
      for (int k = 1; k < pattern.length(); k++) {
        if (in.charAt(at + k) != pattern.charAt(k)) {
          return false;
        }
      }
      return true;
    }
  }

  /** The whitespace-run regexes: a run of at least {@code min} chars of a class. */
  private static final class RunReplace implements Step {
    final boolean anyWhitespace;
    final int min;
    final String content;
    final BertTables t;

    RunReplace(boolean anyWhitespace, int min, String content) {
      this.anyWhitespace = anyWhitespace;
      this.min = min;
      this.content = content;
      this.t = tables();
    }

    private boolean member(char c) {
      // Oniguruma's \s (Unicode): White_Space, i.e. the characters of BertTables.space in the BMP
      return anyWhitespace ? Spaces.BMP[c] : c == ' ';
    }

    @Override
    public boolean apply(CharSequence in, StringBuilder out, Scratch s) {
      int n = in.length();
      for (int i = 0; i < n; ) {
        char c = in.charAt(i);
        if (!member(c)) {
          out.append(c);
          i++;
          continue;
        }
        int j = i + 1;
        while (j < n && member(in.charAt(j))) {
          j++;
        }
        if (j - i >= min) {
          if (content.length() == 1) {
            out.append(content.charAt(0));
          } else {
            out.append(content);
          }
        } else {
          out.append(in, i, j);
        }
        i = j;
      }
      return true;
    }
  }

  private static Step replace(JsonNode node) {
    JsonNode pattern = node.get("pattern");
    JsonNode content = node.get("content");
    if (pattern == null || content == null || !content.isTextual()) {
      throw new IllegalArgumentException("Replace without a pattern and a content string");
    }
    String c = content.asText();
    if (pattern.hasNonNull("String") && pattern.get("String").isTextual()) {
      String p = pattern.get("String").asText();
      if (p.isEmpty() || BertTokenizer.hasUnpairedSurrogate(p)
          || BertTokenizer.hasUnpairedSurrogate(c)) {
        throw new IllegalArgumentException("Replace of an empty string or a lone surrogate");
      }
      if (p.codePointCount(0, p.length()) == 1) {
        CharReplace r = new CharReplace();
        r.then(p.codePointAt(0), c);
        return r;
      }
      return new StringReplace(p, c);
    }
    if (pattern.hasNonNull("Regex") && pattern.get("Regex").isTextual()) {
      String re = pattern.get("Regex").asText();
      switch (re) {
        case "\\s+":
          return new RunReplace(true, 1, c);
        case " {2,}":
          return new RunReplace(false, 2, c);
        case " +":
          return new RunReplace(false, 1, c);
        default:
          throw new IllegalArgumentException("Replace of the regex " + re
              + " (only \\s+, ' {2,}' and ' +' are implemented in Java)");
      }
    }
    throw new IllegalArgumentException("Replace with a pattern that is neither String nor Regex");
  }

  /** Consecutive single-character replaces become one character map. */
  private static List<Step> merge(List<Step> steps) {
    List<Step> out = new ArrayList<>();
    CharReplace cur = null;
    for (Step s : steps) {
      if (s instanceof CharReplace) {
        CharReplace r = (CharReplace) s;
        Map.Entry<Integer, String> e = r.map.entrySet().iterator().next();
        if (cur == null) {
          cur = new CharReplace();
          out.add(cur);
        }
        cur.then(e.getKey(), e.getValue());
      } else {
        cur = null;
        out.add(s);
      }
    }
    for (Step s : out) {
      if (s instanceof CharReplace) {
        ((CharReplace) s).freeze();
      }
    }
    return out;
  }
}
