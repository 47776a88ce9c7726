package io.model2vec.app;

import java.util.ArrayList;
import java.util.List;

/**
 * The shapes of a benchmark corpus ({@code --derive} of {@code model2vec bench}, the corpora of
 * the JMH benchmarks): as it is, short texts or long documents.
 */
public enum Derive { as_is, short_, long_;

  /** The value of {@code --derive}: as-is, short or long. */
  public static Derive parse(String s) {
    switch (s) {
      case "as-is":
        return as_is;
      case "short":
        return short_;
      case "long":
        return long_;
      default:
        throw new IllegalArgumentException("--derive must be as-is, short or long, was " + s);
    }
  }

  /**
   * At most {@code limit} texts of this shape made from {@code texts}: the texts as they are,
   * their first sentences (short), or ~1,200-character documents of consecutive texts (long).
   */
  public List<String> apply(List<String> texts, int limit) {
    List<String> out = new ArrayList<>();
    if (this == as_is) {
      out.addAll(texts.subList(0, Math.min(limit, texts.size())));
    } else if (this == short_) {
      for (String t : texts) {
        String s = firstSentence(t.replaceAll("\\s+", " ").trim());
        if (!s.isEmpty()) {
          out.add(s);
        }
        if (out.size() == limit) {
          break;
        }
      }
    } else {
      StringBuilder doc = new StringBuilder();
      for (int i = 0; out.size() < limit && texts.size() > 0; i = (i + 1) % texts.size()) {
        if (doc.length() > 0) {
          doc.append(' ');
        }
        doc.append(texts.get(i));
        if (doc.length() >= 1200) {
          out.add(doc.toString());
          doc.setLength(0);
        }
        if (i == texts.size() - 1 && out.size() >= Math.max(1, texts.size() / 8)) {
          break;
        }
      }
    }
    return out;
  }

  /** Up to the first sentence end after 30 characters, at most ~110 characters (word-cut). */
  static String firstSentence(String t) {
    for (int i = 30; i < t.length() && i < 110; i++) {
      char c = t.charAt(i);
      if ((c == '.' || c == '!' || c == '?') && (i + 1 == t.length() || t.charAt(i + 1) == ' ')) {
        return t.substring(0, i + 1);
      }
    }
    if (t.length() <= 110) {
      return t;
    }
    int cut = t.lastIndexOf(' ', 110);
    return t.substring(0, cut > 30 ? cut : 110);
  }
}
