package io.model2vec.app;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.ModelWriter;
import io.model2vec.TokenizerMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * A model made of a real tokenizer and a random F32 table (seeded, normalize on), for
 * benchmarks: the test models are 2 and 64 dimensions wide, real ones 256 and more. Not for
 * embeddings.
 */
public final class SyntheticModel {
  private SyntheticModel() {}

  /** The tokenizer of {@code model} (folder or hub id) with a random table of width {@code dims}. */
  public static Path create(String model, int dims, Path dir) throws IOException {
    Path source = ModelReference.of(model, LoadOptions.defaults()).resolveFolder();
    if (source == null) {
      throw new IllegalArgumentException("--synthetic-dims needs a model folder or hub id, not " + model);
    }
    return fromTokenizerJson(tokenizerJson(model), dims, 0, dir);
  }

  /** A {@code tokenizer.json} with a random table of its vocabulary size (added tokens included). */
  public static Path fromTokenizer(Path tokenizer, int dims, Path dir) throws IOException {
    return fromTokenizerJson(Files.readAllBytes(tokenizer), dims, 0, dir);
  }

  /**
   * As {@link #fromTokenizer(Path, int, Path)}; with {@code clusters > 0} a vocabulary-quantized
   * model: {@code clusters} rows, a random I32 {@code mapping} and random F64 {@code weights}.
   */
  public static Path fromTokenizer(Path tokenizer, int dims, int clusters, Path dir)
      throws IOException {
    return fromTokenizerJson(Files.readAllBytes(tokenizer), dims, clusters, dir);
  }

  /**
   * {@code clusters} > 0: a vocabulary-quantized model ({@code clusters} F32 rows, an I32 mapping
   * and F64 weights per token, as model2vec's quantization writes them).
   */
  private static Path fromTokenizerJson(byte[] json, int dims, int clusters, Path dir)
      throws IOException {
    String tokenizer = new String(json, StandardCharsets.UTF_8);
    int vocab = TokenizerMetadata.of(tokenizer, "tokenizer.json").vocabularySize();
    Random random = new Random(1);
    int[] mapping = null;
    double[] weights = null;
    if (clusters > 0) {
      mapping = new int[vocab];
      weights = new double[vocab];
      for (int t = 0; t < vocab; t++) {
        mapping[t] = random.nextInt(clusters);
        weights[t] = 0.2 + random.nextDouble();
      }
    }
    ModelWriter.forRows(clusters > 0 ? clusters : vocab, dims, r -> {
      float[] row = new float[dims];
      for (int c = 0; c < dims; c++) {
        row[c] = (float) random.nextGaussian();
      }
      return row;
    }).tokenizer(tokenizer).mapping(mapping).weights(weights)
        .config(Map.of("note", "random table for benchmarks")).save(dir);
    return dir;
  }

  /**
   * The {@code tokenizer.json} bytes of a model: a {@code classpath:} reference, a folder or a hub
   * id, in the model2vec or the sentence-transformers layout.
   */
  public static byte[] tokenizerJson(String modelRef) throws IOException {
    if (modelRef.startsWith("classpath:")) {
      String path = modelRef.substring("classpath:".length());
      for (String p : new String[] {path + "/tokenizer.json",
          path + "/0_StaticEmbedding/tokenizer.json"}) {
        try (InputStream in = SyntheticModel.class.getClassLoader().getResourceAsStream(p)) {
          if (in != null) {
            return in.readAllBytes();
          }
        }
      }
      throw new IllegalArgumentException("no tokenizer.json under " + modelRef);
    }
    Path folder = ModelReference.of(modelRef, LoadOptions.defaults()).resolveFolder();
    for (Path p : new Path[] {folder.resolve("tokenizer.json"),
        folder.resolve("0_StaticEmbedding/tokenizer.json")}) {
      if (Files.isRegularFile(p)) {
        return Files.readAllBytes(p);
      }
    }
    throw new IllegalArgumentException("no tokenizer.json in " + folder);
  }
}
