package io.model2vec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the shared test data lives: {@code -Dmodel2vec.shared=DIR}, else {@code $MODEL2VEC_SHARED},
 * else the {@code shared} folder beside the repository. Reused by the engine modules (test-jar).
 */
public final class Fixtures {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  public static Path shared() {
    String p = System.getProperty("model2vec.shared");
    if (p == null || p.isBlank()) {
      p = System.getenv("MODEL2VEC_SHARED");
    }
    if (p != null && !p.isBlank() && Files.isDirectory(Paths.get(p))) {
      return Paths.get(p).toAbsolutePath().normalize();
    }
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared");
      if (Files.isDirectory(candidate.resolve("fixtures"))) {
        return candidate;
      }
      Path sibling = dir.resolveSibling("shared");
      if (Files.isDirectory(sibling.resolve("fixtures"))) {
        return sibling;
      }
    }
    throw new IllegalStateException("shared test data not found: set -Dmodel2vec.shared=DIR or "
        + "MODEL2VEC_SHARED to the folder that holds fixtures/ and corpora/");
  }

  /** A fixture model folder, e.g. {@code test-model-float32}. */
  public static Path model(String name) {
    return shared().resolve("fixtures/model2vec-rs").resolve(name);
  }

  public static Path fortunes() {
    return shared().resolve("corpora/fortunes-en-de.jsonl");
  }

  /** A JSON list of vectors produced by the Python reference. */
  public static float[][] expected(String file) {
    try {
      JsonNode root = JSON.readTree(shared().resolve("fixtures/model2vec-rs").resolve(file).toFile());
      float[][] out = new float[root.size()][];
      for (int i = 0; i < root.size(); i++) {
        JsonNode row = root.get(i);
        out[i] = new float[row.size()];
        for (int j = 0; j < row.size(); j++) {
          out[i][j] = (float) row.get(j).asDouble();
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The corpus' texts, in file order. */
  public static java.util.List<String> fortuneTexts(int limit) {
    try (java.io.BufferedReader r = Files.newBufferedReader(fortunes())) {
      java.util.List<String> out = new java.util.ArrayList<>();
      String line;
      while ((line = r.readLine()) != null && out.size() < limit) {
        out.add(JSON.readTree(line).get("text").asText());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Asserts element-wise closeness at relative tolerance {@code rel} (plus a tiny absolute floor). */
  public static void assertClose(float[] actual, float[] expected, double rel, String what) {
    assertClose(actual, expected, rel, 1e-7, what);
  }

  /** Element-wise {@code |a - e| <= rel * |e| + abs}. */
  public static void assertClose(float[] actual, float[] expected, double rel, double abs,
      String what) {
    if (actual.length != expected.length) {
      throw new AssertionError(what + ": length " + actual.length + " != " + expected.length);
    }
    for (int i = 0; i < actual.length; i++) {
      double tol = rel * Math.abs(expected[i]) + abs;
      if (Math.abs(actual[i] - expected[i]) > tol) {
        throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected "
            + expected[i] + " (tolerance " + rel + " relative + " + abs + " absolute)");
      }
    }
  }
}
