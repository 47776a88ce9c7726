package io.model2vec.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Model2VecException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * The table and tokenizer of a model2vec model that training starts from: a folder, or a
 * {@code classpath:} folder (the built-in model is {@code classpath:model2vec/default-model}),
 * holding {@code model.safetensors} with one 2-D {@code embeddings} tensor (F32 or F16) and
 * {@code tokenizer.json}.
 */
public final class StartModel {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One row per token id. */
  public final float[][] table;
  public final String tokenizerJson;
  /** {@code tokenizer_name} of its config.json, or the reference. */
  public final String tokenizerName;

  private StartModel(float[][] table, String tokenizerJson, String tokenizerName) {
    this.table = table;
    this.tokenizerJson = tokenizerJson;
    this.tokenizerName = tokenizerName;
  }

  public static StartModel read(String ref) {
    String src = ref;
    try {
      byte[] st = bytes(ref, "model.safetensors");
      String tok = new String(bytes(ref, "tokenizer.json"), StandardCharsets.UTF_8);
      String name = ref;
      byte[] cfg = optionalBytes(ref, "config.json");
      if (cfg != null) {
        JsonNode c = JSON.readTree(cfg);
        if (c != null && c.path("tokenizer_name").isTextual()) {
          name = c.get("tokenizer_name").asText();
        }
      }
      src = ref + "/model.safetensors";
      return new StartModel(table(st, src), tok, name);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the model " + src + ": " + e.getMessage(), e);
    }
  }

  static float[][] table(byte[] file, String src) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    if (file.length < 8) {
      throw new Model2VecException(src + " is shorter than the 8-byte header length");
    }
    long len = b.getLong();
    if (len <= 0 || 8 + len > file.length) {
      throw new Model2VecException(src + " has header length " + len + " in a file of "
          + file.length + " bytes");
    }
    JsonNode header = JSON.readTree(new String(file, 8, (int) len, StandardCharsets.UTF_8));
    JsonNode t = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        continue;
      }
      if (!e.getKey().equals("embeddings")) {
        throw new Model2VecException(src + " has a tensor '" + e.getKey() + "'; training starts "
            + "from a model with only an 'embeddings' table (no weights or mapping)");
      }
      t = e.getValue();
    }
    if (t == null) {
      throw new Model2VecException(src + " has no tensor 'embeddings'");
    }
    String dtype = t.path("dtype").asText();
    JsonNode shape = t.path("shape");
    JsonNode off = t.path("data_offsets");
    if (shape.size() != 2 || off.size() != 2) {
      throw new Model2VecException(src + ": tensor 'embeddings' must be 2-D with data_offsets, "
          + "has shape " + shape);
    }
    int rows = shape.get(0).asInt();
    int cols = shape.get(1).asInt();
    int width = dtype.equals("F32") ? 4 : dtype.equals("F16") ? 2 : 0;
    if (width == 0) {
      throw new Model2VecException(src + ": tensor 'embeddings' has dtype " + dtype
          + "; training reads F32 or F16");
    }
    long start = 8 + len + off.get(0).asLong();
    long end = 8 + len + off.get(1).asLong();
    if (rows < 1 || cols < 1 || end > file.length || end - start != (long) rows * cols * width) {
      throw new Model2VecException(src + ": tensor 'embeddings' [" + rows + ", " + cols + "] "
          + dtype + " does not match its data_offsets " + off + " in a file of " + file.length
          + " bytes");
    }
    b.position((int) start);
    float[][] table = new float[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        table[i][j] = width == 4 ? b.getFloat() : Half.toFloat(b.getShort());
      }
    }
    return table;
  }

  private static byte[] bytes(String ref, String name) throws IOException {
    byte[] b = optionalBytes(ref, name);
    if (b == null) {
      throw new Model2VecException("model " + ref + " has no " + name);
    }
    return b;
  }

  private static byte[] optionalBytes(String ref, String name) throws IOException {
    if (ref.startsWith("classpath:")) {
      String res = ref.substring("classpath:".length()) + "/" + name;
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      if (cl == null) {
        cl = StartModel.class.getClassLoader();
      }
      try (InputStream in = cl.getResourceAsStream(res)) {
        return in == null ? null : in.readAllBytes();
      }
    }
    Path p = Path.of(ref).resolve(name);
    return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
  }
}
