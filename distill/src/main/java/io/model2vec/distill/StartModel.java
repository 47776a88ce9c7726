package io.model2vec.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.LoadOptions;
import io.model2vec.Model2VecException;
import io.model2vec.StaticModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The table and tokenizer of a model2vec model that training starts from: a folder, or a
 * {@code classpath:} folder (the built-in model is {@code classpath:model2vec/default-model}),
 * holding {@code model.safetensors} with one 2-D {@code embeddings} tensor (any dtype the core
 * reads; an I8 table as its integers, as encoding reads it) and {@code tokenizer.json}.
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
      String tok = new String(bytes(ref, "tokenizer.json"), StandardCharsets.UTF_8);
      String name = ref;
      byte[] cfg = optionalBytes(ref, "config.json");
      if (cfg != null) {
        JsonNode c = JSON.readTree(cfg);
        if (c != null && c.path("tokenizer_name").isTextual()) {
          name = c.get("tokenizer_name").asText();
        }
      }
      // the core reads and checks the tensors, as for encoding
      try (StaticModel m = StaticModel.load(ref, LoadOptions.defaults())) {
        float[][] table = m.table();
        if (table.length != m.vocabularySize()) {
          throw new Model2VecException("model " + ref + " is vocabulary-quantized (" + table.length
              + " rows for " + m.vocabularySize() + " tokens); training starts from a table with "
              + "one row per token");
        }
        return new StartModel(table, tok, name);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the model " + src + ": " + e.getMessage(), e);
    }
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
