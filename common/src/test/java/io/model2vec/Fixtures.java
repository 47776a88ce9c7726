package io.model2vec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The repository's test data ({@code testdata/} at the top of the checkout: the reference
 * fixtures and the corpora, see {@code testdata/README.md}), found from the working directory of
 * any module. Reused by the engine modules (test-jar).
 */
public final class Fixtures {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static volatile Path repo;

  private Fixtures() {}

  /** The top of the checkout: the nearest folder up from here that holds {@code testdata/}. */
  public static Path repo() {
    Path found = repo;
    if (found == null) {
      for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
        if (Files.isDirectory(dir.resolve("testdata/fixtures"))
            && Files.isRegularFile(dir.resolve("pom.xml"))) {
          found = dir;
          break;
        }
      }
      if (found == null) {
        throw new IllegalStateException("testdata/ not found in "
            + Paths.get("").toAbsolutePath() + " or any folder above it: run the tests inside "
            + "the checkout");
      }
      repo = found;
    }
    return found;
  }

  /** {@code testdata/}: {@code fixtures/} (the reference's outputs) and {@code corpora/}. */
  public static Path testdata() {
    return repo().resolve("testdata");
  }

  /**
   * Whether the JVM's shared models hold {@code reference} (a folder) loaded now, with the
   * default options' files: for tests of idle release, which poll it instead of sleeping.
   */
  public static boolean modelLoaded(String reference) {
    return SharedModels.isLoaded(ModelResolver.canonical(reference), LoadOptions.defaults());
  }

  /** A fixture model folder, e.g. {@code test-model-float32}. */
  public static Path model(String name) {
    return testdata().resolve("fixtures/model2vec-rs").resolve(name);
  }

  /**
   * A copy of the fixture model {@code name} in a new folder {@code dir}: shared models are
   * loaded once per folder, and with other options are views of that one load, so a test that
   * counts loads starts from a folder no other test of the JVM has loaded.
   */
  public static Path modelCopy(String name, Path dir) {
    try {
      Files.createDirectories(dir);
      try (var files = Files.list(model(name))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (Files.isRegularFile(f)) {
            Files.copy(f, dir.resolve(f.getFileName().toString()));
          }
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("could not copy fixture model " + name + " to " + dir, e);
    }
  }

  public static Path fortunes() {
    return testdata().resolve("corpora/fortunes-en-de.jsonl");
  }

  /** A JSON list of vectors produced by the Python reference. */
  public static float[][] expected(String file) {
    try {
      JsonNode root = JSON.readTree(testdata().resolve("fixtures/model2vec-rs").resolve(file).toFile());
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
