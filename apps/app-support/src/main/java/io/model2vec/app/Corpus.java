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
}
