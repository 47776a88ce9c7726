package io.model2vec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * Writes a model in the model2vec layout, as Python's {@code StaticModel.save_pretrained} does:
 * {@code config.json}, {@code modules.json} (StaticEmbedding + Normalize), {@code tokenizer.json}
 * and {@code model.safetensors} ({@code embeddings} in F32, F16 or I8, and the optional
 * {@code weights} and vocabulary-quantization {@code mapping}). What it writes, {@link StaticModel#load} reads back.
 *
 * <pre>{@code
 * ModelWriter.forTable(table).tokenizer(tokenizerJson).dtype(DType.F16)
 *     .config(Map.of("tokenizer_name", "BAAI/bge-small-en-v1.5")).save(Path.of("out"));
 * }</pre>
 */
public final class ModelWriter {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final int rows;
  private final int columns;
  private final IntFunction<float[]> row;
  private String tokenizerJson;
  private DType dtype = DType.F32;
  private float[] weights;
  private double[] doubleWeights;
  private int[] mapping;
  private boolean normalize = true;
  private Map<String, ?> config = Map.of();

  private ModelWriter(int rows, int columns, IntFunction<float[]> row) {
    if (rows < 1 || columns < 1) {
      throw new IllegalArgumentException("a table must have at least one row and column, was "
          + rows + " x " + columns);
    }
    this.rows = rows;
    this.columns = columns;
    this.row = row;
  }

  /** A writer of {@code table}, one row per token id. */
  public static ModelWriter forTable(float[][] table) {
    Objects.requireNonNull(table, "table must not be null");
    if (table.length == 0) {
      throw new IllegalArgumentException("table must have at least one row");
    }
    return new ModelWriter(table.length, table[0].length, i -> table[i]);
  }

  /** A writer of a table produced row by row (rows larger than memory, synthetic tables). */
  public static ModelWriter forRows(int rows, int columns, IntFunction<float[]> row) {
    return new ModelWriter(rows, columns, Objects.requireNonNull(row, "row must not be null"));
  }

  /** The {@code tokenizer.json} text; required. */
  public ModelWriter tokenizer(String tokenizerJson) {
    this.tokenizerJson = Objects.requireNonNull(tokenizerJson, "tokenizerJson must not be null");
    return this;
  }

  /** The stored dtype of the table: F32 (default), F16 or I8. */
  public ModelWriter dtype(DType dtype) {
    if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.I8) {
      throw new IllegalArgumentException("dtype must be F32, F16 or I8, was " + dtype);
    }
    this.dtype = dtype;
    return this;
  }

  /** Per-token weights, stored as the F32 tensor {@code weights}; null for none. */
  public ModelWriter weights(float[] weights) {
    this.weights = weights;
    this.doubleWeights = null;
    return this;
  }

  /** Per-token weights, stored as the F64 tensor {@code weights} (as vocabulary quantization). */
  public ModelWriter weights(double[] weights) {
    this.doubleWeights = weights;
    this.weights = null;
    return this;
  }

  /**
   * Vocabulary quantization: token id -> table row, stored as the I32 tensor {@code mapping};
   * the table's rows are then clusters and the weights are per token. Null for none.
   */
  public ModelWriter mapping(int[] mapping) {
    if (mapping != null) {
      for (int i = 0; i < mapping.length; i++) {
        if (mapping[i] < 0 || mapping[i] >= rows) {
          throw new IllegalArgumentException("mapping maps token " + i + " to row " + mapping[i]
              + ", outside the " + rows + " rows of the table");
        }
      }
    }
    this.mapping = mapping;
    return this;
  }

  /** Tokens: the mapping's length, or the table's rows. */
  private int tokens() {
    return mapping != null ? mapping.length : rows;
  }

  /** config.json's {@code normalize} (default true, as distilled models). */
  public ModelWriter normalize(boolean normalize) {
    this.normalize = normalize;
    return this;
  }

  /** More config.json keys (e.g. {@code tokenizer_name}, {@code apply_pca}); JSON-able values. */
  public ModelWriter config(Map<String, ?> config) {
    this.config = Objects.requireNonNull(config, "config must not be null");
    return this;
  }

  /** Writes the four files into {@code dir} (created if needed; files overwritten). */
  public void save(Path dir) {
    if (tokenizerJson == null) {
      throw new IllegalStateException("tokenizer(...) must be set before save");
    }
    int weightCount = weights != null ? weights.length
        : doubleWeights != null ? doubleWeights.length : tokens();
    if (weightCount != tokens()) {
      throw new IllegalArgumentException("weights must have one value per token (" + tokens()
          + "), have " + weightCount);
    }
    try {
      Files.createDirectories(dir);
      ObjectNode c = JSON.createObjectNode();
      c.put("model_type", "model2vec");
      c.putArray("architectures").add("StaticModel");
      c.setAll(JSON.<ObjectNode>valueToTree(config));
      c.put("hidden_dim", columns);
      c.put("normalize", normalize);
      c.put("embedding_dtype", dtype.numpyName());
      if (mapping != null) {
        c.put("vocabulary_quantization", rows);
      }
      Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(c) + "\n");
      Files.writeString(dir.resolve("modules.json"), modulesJson(normalize) + "\n");
      Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson, StandardCharsets.UTF_8);
      try (OutputStream out = new BufferedOutputStream(
          Files.newOutputStream(dir.resolve("model.safetensors")), 1 << 16)) {
        writeSafetensors(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the model into " + dir, e);
    }
  }

  /** StaticEmbedding, then Normalize only when the model normalizes (as save_pretrained). */
  private static String modulesJson(boolean normalize) throws IOException {
    ArrayNode m = JSON.createArrayNode();
    m.addObject().put("idx", 0).put("name", "0").put("path", ".")
        .put("type", "sentence_transformers.models.StaticEmbedding");
    if (normalize) {
      m.addObject().put("idx", 1).put("name", "1").put("path", "1_Normalize")
          .put("type", "sentence_transformers.models.Normalize");
    }
    return JSON.writeValueAsString(m);
  }

  /** u64 LE header length, the JSON header (padded to 8 bytes), the raw LE data. */
  private void writeSafetensors(OutputStream out) throws IOException {
    long tableBytes = (long) rows * columns * dtype.bytes();
    ObjectNode header = JSON.createObjectNode();
    ObjectNode t = header.putObject("embeddings");
    t.put("dtype", dtype.name());
    t.putArray("shape").add(rows).add(columns);
    t.putArray("data_offsets").add(0).add(tableBytes);
    long end = tableBytes;
    if (mapping != null) {
      end = tensor(header, "mapping", "I32", mapping.length, end, 4);
    }
    if (weights != null) {
      end = tensor(header, "weights", "F32", weights.length, end, 4);
    } else if (doubleWeights != null) {
      end = tensor(header, "weights", "F64", doubleWeights.length, end, 8);
    }
    byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (h.length + 7) / 8 * 8; // as the safetensors writer does
    byte[] hp = Arrays.copyOf(h, padded);
    Arrays.fill(hp, h.length, padded, (byte) ' ');
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
    out.write(hp);

    double scale = dtype == DType.I8 ? int8Scale() : 1;
    ByteBuffer b = ByteBuffer.allocate(columns * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows; r++) {
      float[] v = row(r);
      b.clear();
      for (float x : v) {
        switch (dtype) {
          case F32:
            b.putFloat(x);
            break;
          case F16:
            b.putShort(Half.fromFloat(x));
            break;
          default:
            long q = Math.round(x / scale);
            b.put((byte) Math.max(-127, Math.min(127, q)));
        }
      }
      out.write(b.array(), 0, b.position());
    }
    if (mapping != null) {
      ByteBuffer mb = ByteBuffer.allocate(4 * mapping.length).order(ByteOrder.LITTLE_ENDIAN);
      for (int m : mapping) {
        mb.putInt(m);
      }
      out.write(mb.array());
    }
    if (weights != null) {
      ByteBuffer wb = ByteBuffer.allocate(4 * weights.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float w : weights) {
        wb.putFloat(w);
      }
      out.write(wb.array());
    } else if (doubleWeights != null) {
      ByteBuffer wb = ByteBuffer.allocate(8 * doubleWeights.length).order(ByteOrder.LITTLE_ENDIAN);
      for (double w : doubleWeights) {
        wb.putDouble(w);
      }
      out.write(wb.array());
    }
  }

  /** Adds a 1-D tensor of {@code n} values to the header, from {@code begin}; returns its end. */
  private static long tensor(ObjectNode header, String name, String dtype, int n, long begin,
      int width) {
    ObjectNode t = header.putObject(name);
    t.put("dtype", dtype);
    t.putArray("shape").add(n);
    long end = begin + (long) width * n;
    t.putArray("data_offsets").add(begin).add(end);
    return end;
  }

  /** One scale for the whole table: its largest magnitude maps to 127 (values used as is). */
  private double int8Scale() {
    double max = 0;
    for (int r = 0; r < rows; r++) {
      for (float x : row(r)) {
        max = Math.max(max, Math.abs(x));
      }
    }
    return max == 0 ? 1 : max / 127.0;
  }

  private float[] row(int r) {
    float[] v = row.apply(r);
    if (v == null || v.length != columns) {
      throw new IllegalArgumentException("ragged table: row " + r + " has "
          + (v == null ? "no values" : v.length + " columns") + ", the table " + columns);
    }
    for (float x : v) {
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException("row " + r + " holds " + x
            + "; a model's table must be finite");
      }
    }
    return v;
  }
}
