package io.model2vec.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A probe of the HuggingFace BERT normalizer and pre-tokenizer, one code point at a time: a
 * WordPiece tokenizer whose vocabulary holds every code point, alone and after "##", so that the
 * ids of {@code "a" + c + "b"} spell out exactly what the normalizer made of {@code c} and where
 * the pre-tokenizer split. Used to generate {@code bert-normalizer.txt} (the Unicode tables of the
 * Rust crates behind the native library, which are older than the JVM's) and to prove, for every
 * code point, that the Java tokenizer agrees with the native one.
 */
final class BertProbe {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Code points probed: all but surrogates and '|', the separator. */
  static final int[] CODE_POINTS;

  static {
    int[] cps = new int[0x110000];
    int n = 0;
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == '|') {
        continue;
      }
      cps[n++] = cp;
    }
    CODE_POINTS = java.util.Arrays.copyOf(cps, n);
  }

  private BertProbe() {}

  /** Id of the token {@code cp} (or {@code "##" + cp}); 0 is [UNK]. */
  static int id(int cp, boolean prefixed) {
    return 1 + 2 * rank(cp) + (prefixed ? 1 : 0);
  }

  /** Position of {@code cp} in the vocabulary order (surrogates skipped, '|' included). */
  static int rank(int cp) {
    return cp < 0xD800 ? cp : cp - 0x800;
  }

  static int codePointOf(int id) {
    int r = (id - 1) / 2;
    return r < 0xD800 ? r : r + 0x800;
  }

  static boolean prefixedId(int id) {
    return id > 0 && (id - 1) % 2 == 1;
  }

  /** The probe tokenizer.json for one BertNormalizer configuration. */
  static String tokenizerJson(boolean cleanText, Boolean stripAccents, boolean lowercase,
      String addedTokensJson) {
    StringBuilder vocab = new StringBuilder(40_000_000);
    vocab.append("{\"[UNK]\":0");
    int id = 1;
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if (cp >= 0xD800 && cp <= 0xDFFF) {
        continue;
      }
      String s = new String(Character.toChars(cp));
      vocab.append(',');
      appendJsonString(vocab, s);
      vocab.append(':').append(id++);
      vocab.append(',');
      appendJsonString(vocab, "##" + s);
      vocab.append(':').append(id++);
    }
    vocab.append('}');
    ObjectNode norm = JSON.createObjectNode();
    norm.put("type", "BertNormalizer");
    norm.put("clean_text", cleanText);
    norm.put("handle_chinese_chars", true);
    if (stripAccents == null) {
      norm.putNull("strip_accents");
    } else {
      norm.put("strip_accents", stripAccents);
    }
    norm.put("lowercase", lowercase);
    return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":"
        + (addedTokensJson == null ? "[]" : addedTokensJson) + ",\"normalizer\":" + norm
        + ",\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},\"post_processor\":null,"
        + "\"decoder\":null,\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\","
        + "\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":1000000,\"vocab\":"
        + vocab + "}}";
  }

  private static void appendJsonString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || Character.isSurrogate(c)
          || c == 0x2028 || c == 0x2029) {
        if (Character.isHighSurrogate(c)) {
          sb.append(c).append(s.charAt(++i));
        } else {
          sb.append(String.format("\\u%04x", (int) c));
        }
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }

  /** Probe texts: {@code "|a" + c + "b|a" + c' + "b|..."}, {@code perText} code points each. */
  static List<String> texts(int perText) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < CODE_POINTS.length; i += perText) {
      StringBuilder sb = new StringBuilder("|");
      for (int j = i, end = Math.min(CODE_POINTS.length, i + perText); j < end; j++) {
        sb.append('a').appendCodePoint(CODE_POINTS[j]).append("b|");
      }
      out.add(sb.toString());
    }
    return out;
  }
}
