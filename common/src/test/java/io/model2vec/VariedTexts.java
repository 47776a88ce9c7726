package io.model2vec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Varied strings for tokenizer parity: the fortunes corpus, and generated text across scripts,
 * accents and combining marks, emoji sequences, control and zero-width characters, odd spaces,
 * very long words, special tokens written inside text, and random code points from every plane.
 */
public final class VariedTexts {
  private static final String[] PIECES = {
      "hello", "world", "Straße", "naïve", "café", "résumé", "Ångström", "e\u0301", "n\u0303o",
      "a\u0308\u0304", "Привет", "мир", "Ελληνικά", "مرحبا", "بالعالم", "שלום", "नमस्ते", "สวัสดี",
      "東京", "日本語テキスト", "中文字符", "한국어", "ひらがな", "カタカナ", "🙂", "👍🏽", "👨‍👩‍👧‍👦",
      "🏳️‍🌈", "1️⃣", "\u200b", "\u200d", "\ufeff", "\u00a0", "\u2003", "\u3000", "\t", "\n", "\r\n",
      "\u0000", "\u0007", "\u001b[31m", "\u0085", "\u2028", "[CLS]", "[SEP]", "[MASK]", "[UNK]",
      "[PAD]", "##ing", "...", "?!", "—", "«quotes»", "'s", "don't", "3.14159", "1,000,000",
      "e-mail", "http://example.com/a?b=c", "user@example.com", "C++", "#hashtag", "@mention",
      "ﬁ", "Ⅻ", "①", "½", "ℌ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\uD835\uDC00", "ǅ", "İstanbul", "ß", "ΣΑΣ",
  };

  private VariedTexts() {}

  /** {@code n} strings, deterministic for a seed; the first ones come from the corpus. */
  public static List<String> generate(int n, long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(n);
    List<String> corpus = Fixtures.fortuneTexts(Math.min(n / 4, 20000));
    out.addAll(corpus);
    while (out.size() < n) {
      switch (r.nextInt(5)) {
        case 0:
          out.add(randomCodePoints(r, 1 + r.nextInt(40)));
          break;
        case 1: {
          String c = corpus.get(r.nextInt(corpus.size()));
          int a = r.nextInt(c.length() + 1);
          int b = a + r.nextInt(c.length() - a + 1);
          out.add(c.substring(a, b));
          break;
        }
        case 2:
          out.add("x".repeat(90 + r.nextInt(30)) + " " + "ab".repeat(45 + r.nextInt(20)));
          break;
        default: {
          StringBuilder sb = new StringBuilder();
          for (int k = 0, m = 1 + r.nextInt(12); k < m; k++) {
            sb.append(PIECES[r.nextInt(PIECES.length)]);
            if (r.nextInt(3) > 0) {
              sb.append(r.nextBoolean() ? " " : PIECES[r.nextInt(PIECES.length)]);
            }
          }
          out.add(r.nextBoolean() ? sb.toString() : sb.toString().toUpperCase(java.util.Locale.ROOT));
        }
      }
    }
    return out;
  }

  /** Random code points from all planes (unassigned ones and lone surrogates included). */
  public static String randomCodePoints(Random r, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int cp;
      switch (r.nextInt(4)) {
        case 0:
          cp = r.nextInt(0x80);
          break;
        case 1:
          cp = r.nextInt(0x3000);
          break;
        case 2:
          cp = r.nextInt(0x10000);
          break;
        default:
          cp = r.nextInt(0x110000);
      }
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }
}
