package io.model2vec.examples.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    Path source = StaticModel.resolveFolder(model, LoadOptions.defaults());
    if (source == null) {
      throw new IllegalArgumentException("--synthetic-dims needs a model folder or hub id, not " + model);
    }
    return fromTokenizerJson(tokenizerJson(model), dims, dir);
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

  private static Path fromTokenizerJson(byte[] json, int dims, Path dir) throws IOException {
    return fromTokenizerJson(json, dims, 0, dir);
  }

  private static Path fromTokenizerJson(byte[] json, int dims, int clusters, Path dir)
      throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    int vocab = 0;
    JsonNode v = root.path("model").path("vocab");
    if (v.isArray()) {
      vocab = v.size();
    } else {
      for (JsonNode id : v) {
        vocab = Math.max(vocab, id.asInt() + 1);
      }
    }
    for (JsonNode t : root.path("added_tokens")) {
      vocab = Math.max(vocab, t.path("id").asInt() + 1);
    }
    Files.createDirectories(dir);
    Files.write(dir.resolve("tokenizer.json"), json);
    return clusters > 0 ? writeQuantized(dir, vocab, clusters, dims)
        : writeConfigAndTable(dir, vocab, dims);
  }

  /** A vocabulary-quantized table: {@code clusters} F32 rows, I32 mapping, F64 weights. */
  private static Path writeQuantized(Path dir, int vocab, int clusters, int dims)
      throws IOException {
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"model2vec\", \"normalize\": true, "
        + "\"hidden_dim\": " + dims + ", \"vocabulary_quantization\": " + clusters
        + ", \"note\": \"random table for benchmarks\"}");
    long embBytes = 4L * clusters * dims;
    long mapBytes = 4L * vocab;
    long wBytes = 8L * vocab;
    String header = "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[" + clusters + "," + dims
        + "],\"data_offsets\":[0," + embBytes + "]},\"mapping\":{\"dtype\":\"I32\",\"shape\":["
        + vocab + "],\"data_offsets\":[" + embBytes + "," + (embBytes + mapBytes) + "]},"
        + "\"weights\":{\"dtype\":\"F64\",\"shape\":[" + vocab + "],\"data_offsets\":["
        + (embBytes + mapBytes) + "," + (embBytes + mapBytes + wBytes) + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(1);
    try (OutputStream out = new BufferedOutputStream(
        Files.newOutputStream(dir.resolve("model.safetensors")), 1 << 16)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      out.write(h);
      ByteBuffer row = ByteBuffer.allocate(4 * dims).order(ByteOrder.LITTLE_ENDIAN);
      for (int r = 0; r < clusters; r++) {
        row.clear();
        for (int c = 0; c < dims; c++) {
          row.putFloat((float) random.nextGaussian());
        }
        out.write(row.array());
      }
      ByteBuffer v = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      for (int t = 0; t < vocab; t++) {
        v.clear();
        v.putInt(random.nextInt(clusters));
        out.write(v.array(), 0, 4);
      }
      for (int t = 0; t < vocab; t++) {
        v.clear();
        v.putDouble(0.2 + random.nextDouble());
        out.write(v.array(), 0, 8);
      }
    }
    return dir;
  }

  private static Path writeConfigAndTable(Path dir, int vocab, int dims) throws IOException {
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"model2vec\", \"normalize\": true, "
        + "\"hidden_dim\": " + dims + ", \"note\": \"random table for benchmarks\"}");
    String header = "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[" + vocab + "," + dims
        + "],\"data_offsets\":[0," + (4L * vocab * dims) + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(1);
    try (OutputStream out = new BufferedOutputStream(
        Files.newOutputStream(dir.resolve("model.safetensors")), 1 << 16)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      out.write(h);
      ByteBuffer row = ByteBuffer.allocate(4 * dims).order(ByteOrder.LITTLE_ENDIAN);
      for (int r = 0; r < vocab; r++) {
        row.clear();
        for (int c = 0; c < dims; c++) {
          row.putFloat((float) random.nextGaussian());
        }
        out.write(row.array());
      }
    }
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
    Path folder = StaticModel.resolveFolder(modelRef, LoadOptions.defaults());
    for (Path p : new Path[] {folder.resolve("tokenizer.json"),
        folder.resolve("0_StaticEmbedding/tokenizer.json")}) {
      if (Files.isRegularFile(p)) {
        return Files.readAllBytes(p);
      }
    }
    throw new IllegalArgumentException("no tokenizer.json in " + folder);
  }
}
