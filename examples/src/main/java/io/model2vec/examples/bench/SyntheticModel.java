package io.model2vec.examples.bench;

import io.model2vec.StaticModel;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A model with a given model's tokenizer and a random F32 table of another width, for benchmarks:
 * the test models are 2 and 64 dimensions wide, real ones 256 and more. Not for embeddings.
 */
public final class SyntheticModel {
  private SyntheticModel() {}

  public static Path create(String model, int dims, Path dir) throws IOException {
    Path source = StaticModel.resolveFolder(model, io.model2vec.LoadOptions.defaults());
    if (source == null) {
      throw new IllegalArgumentException("--synthetic-dims needs a model folder or hub id, not " + model);
    }
    int vocab;
    try (StaticModel m = StaticModel.load(source)) {
      vocab = m.vocabularySize();
    }
    Path tokenizer = Files.isRegularFile(source.resolve("tokenizer.json"))
        ? source.resolve("tokenizer.json") : source.resolve("0_StaticEmbedding/tokenizer.json");
    Files.createDirectories(dir);
    Files.copy(tokenizer, dir.resolve("tokenizer.json"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"model2vec\", \"normalize\": true, "
        + "\"hidden_dim\": " + dims + ", \"note\": \"random table for benchmarks\"}");
    String header = "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[" + vocab + "," + dims
        + "],\"data_offsets\":[0," + (4L * vocab * dims) + "]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    Random random = new Random(1);
    try (OutputStream out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
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
}
