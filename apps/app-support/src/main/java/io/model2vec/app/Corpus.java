package io.model2vec.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The texts a benchmark runs on: the one reader of benchmark corpora, for every bench. */
public final class Corpus {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Corpus() {}

  /**
   * The string values of {@code field} in a JSONL file (blank lines and rows without a string
   * there skipped), or every line when {@code field} is null (plain text). Invalid JSON fails
   * with its line number; a corpus without texts fails naming the file.
   */
  public static List<String> texts(Path file, String field) throws IOException {
    List<String> texts = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      long no = 0;
      while ((line = r.readLine()) != null) {
        no++;
        if (field == null) {
          texts.add(line);
          continue;
        }
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (IOException e) {
          throw new IllegalArgumentException(file + " line " + no + " is not valid JSON");
        }
        JsonNode v = node.get(field);
        if (v != null && v.isTextual()) {
          texts.add(v.asText());
        }
      }
    }
    if (texts.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no texts"
          + (field == null ? "" : " in field '" + field + "'"));
    }
    return texts;
  }

  /** The shapes of a benchmark corpus ({@code --derive}): as it is, short or long texts. */
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
  }

  /** Reshapes the corpus: first sentences (short) or ~1,200-character documents (long). */
  public static List<String> derive(List<String> texts, Derive how, int limit) {
    List<String> out = new ArrayList<>();
    if (how == Derive.as_is) {
      out.addAll(texts.subList(0, Math.min(limit, texts.size())));
    } else if (how == Derive.short_) {
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
