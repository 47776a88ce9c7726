package io.model2vec.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code manifest.json} of an index folder: what the shards hold and how they were built. Written
 * last (by the engine's commit), so an index folder without it is an incomplete one.
 *
 * <pre>{@code
 * {"format": 1, "model": {"model": "minishlab/potion-base-8M", "normalize": "true"},
 *  "dimensions": 256, "modelNormalizes": false, "similarity": "dot_product",
 *  "quantization": "none", "storedFields": ["lang"],
 *  "shards": [{"name": "shard-00000", "rows": 5000}, ...]}
 * }</pre>
 */
public final class IndexManifest {
  /** The file name inside an index folder. */
  public static final String FILE = "manifest.json";
  /** Format 1: Lucene HNSW shards. */
  static final int FORMAT = 1;
  /** Format 2: an inverted file of Parquet lists ({@link IvfLayout}). */
  static final int FORMAT_IVF = 2;
  static final String SIMILARITY = "dot_product";
  /**
   * The text whose vector an index records at build time ({@link #withModelCheck}): opening the
   * index embeds it again and refuses a model that no longer gives that vector (edited options,
   * replaced files), instead of answering queries from another vector space.
   */
  public static final String MODEL_CHECK_TEXT =
      "Model2Vec index check: the quick brown fox jumps over the lazy dog, 0123456789.";
  /** How far (per dimension) the model check's vector may move: pooling on another CPU path. */
  static final float MODEL_CHECK_TOLERANCE = 1e-4f;

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final ModelReference model;
  private final int dimensions;
  private final boolean modelNormalizes;
  private final Quantization quantization;
  private final List<String> storedFields;
  private final Map<String, Long> shards;
  private final float[] modelCheck;
  private final IvfLayout ivf;

  public IndexManifest(ModelReference model, int dimensions, boolean modelNormalizes,
      Quantization quantization, List<String> storedFields, Map<String, Long> shards) {
    this.model = Objects.requireNonNull(model, "model");
    if (dimensions < 1) {
      throw new IllegalArgumentException("dimensions must be >= 1, was " + dimensions);
    }
    this.dimensions = dimensions;
    this.modelNormalizes = modelNormalizes;
    this.quantization = Objects.requireNonNull(quantization, "quantization");
    this.storedFields = List.copyOf(storedFields);
    this.shards = Collections.unmodifiableMap(new LinkedHashMap<>(shards));
    this.modelCheck = null;
    this.ivf = null;
  }

  private IndexManifest(IndexManifest m, Map<String, Long> shards, float[] modelCheck,
      IvfLayout ivf) {
    this.model = m.model;
    this.dimensions = m.dimensions;
    this.modelNormalizes = m.modelNormalizes;
    this.quantization = m.quantization;
    this.storedFields = m.storedFields;
    this.shards = Collections.unmodifiableMap(new LinkedHashMap<>(shards));
    if (modelCheck != null && modelCheck.length != m.dimensions) {
      throw new IllegalArgumentException("the model check vector must have " + m.dimensions
          + " dimensions, had " + modelCheck.length);
    }
    this.modelCheck = modelCheck == null ? null : modelCheck.clone();
    this.ivf = ivf;
  }

  /** 1 (Lucene HNSW shards) or 2 (an inverted file of Parquet lists). */
  public int format() {
    return ivf == null ? FORMAT : FORMAT_IVF;
  }

  /** The inverted file of a format 2 index; null for format 1. */
  public IvfLayout ivf() {
    return ivf;
  }

  /** This manifest as a format 2 (IVF) index with {@code layout} (and no shards). */
  public IndexManifest withIvf(IvfLayout layout) {
    return new IndexManifest(this, Map.of(), modelCheck, Objects.requireNonNull(layout, "ivf"));
  }

  /** The model the vectors come from (reference and options as given to the builder). */
  public ModelReference model() {
    return model;
  }

  public int dimensions() {
    return dimensions;
  }

  /** Whether the model itself normalizes; the index always holds L2-normalized vectors. */
  public boolean modelNormalizes() {
    return modelNormalizes;
  }

  public Quantization quantization() {
    return quantization;
  }

  /** Names of the extra columns stored with each row (beside id and text). */
  public List<String> storedFields() {
    return storedFields;
  }

  /** Shard folder name -> rows, in shard order. */
  public Map<String, Long> shards() {
    return shards;
  }

  public long rows() {
    if (ivf != null) {
      return ivf.rows();
    }
    long n = 0;
    for (long r : shards.values()) {
      n += r;
    }
    return n;
  }

  /** This manifest with other shards. */
  public IndexManifest withShards(Map<String, Long> newShards) {
    return new IndexManifest(this, newShards, modelCheck, ivf);
  }

  /** This manifest with the model's vector of {@link #MODEL_CHECK_TEXT}, as the build saw it. */
  public IndexManifest withModelCheck(float[] vector) {
    return new IndexManifest(this, shards, vector, ivf);
  }

  /**
   * Throws unless {@code model} gives the vector of {@link #MODEL_CHECK_TEXT} recorded at build
   * time (indexes without the record, from earlier releases, pass).
   */
  void checkModel(StaticModel model, String where) {
    if (modelCheck == null) {
      return;
    }
    float[] now = model.encode(MODEL_CHECK_TEXT);
    for (int i = 0; i < modelCheck.length; i++) {
      if (!(Math.abs(now[i] - modelCheck[i]) <= MODEL_CHECK_TOLERANCE)) {
        throw new IndexException(where + ": the model " + model() + " no longer gives the vectors "
            + "this index was built with (dimension " + i + ": " + now[i] + ", built with "
            + modelCheck[i] + "): its options or files changed since the build; restore them or "
            + "rebuild the index");
      }
    }
  }

  public byte[] toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", format());
    ObjectNode m = root.putObject("model");
    model.toMap().forEach(m::put);
    root.put("dimensions", dimensions);
    root.put("modelNormalizes", modelNormalizes);
    root.put("similarity", SIMILARITY);
    root.put("quantization", quantization.id());
    ArrayNode fields = root.putArray("storedFields");
    storedFields.forEach(fields::add);
    ArrayNode s = root.putArray("shards");
    shards.forEach((name, rows) -> s.addObject().put("name", name).put("rows", rows));
    if (ivf != null) {
      ivf.toJson(root.putObject("ivf"));
    }
    if (modelCheck != null) {
      ObjectNode check = root.putObject("modelCheck");
      check.put("text", MODEL_CHECK_TEXT);
      ArrayNode v = check.putArray("vector");
      for (float x : modelCheck) {
        v.add(x);
      }
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("manifest not writable as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code manifest.json} into a local index folder, atomically (a temporary file moved
   * into place): readers see no manifest or the whole one.
   */
  public void writeTo(java.nio.file.Path folder) {
    java.nio.file.Path tmp = folder.resolve("." + FILE + ".tmp");
    try {
      java.nio.file.Files.write(tmp, toJson());
      java.nio.file.Files.move(tmp, folder.resolve(FILE),
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(folder.resolve(FILE) + ": cannot write: "
          + e.getMessage(), e);
    }
  }

  /** The folder name of shard {@code n}: {@code shard-00000}. */
  public static String shardName(int n) {
    return String.format(java.util.Locale.ROOT, "shard-%05d", n);
  }

  /** Parses {@code bytes}; {@code where} (the file) names the source in every error. */
  public static IndexManifest fromJson(byte[] bytes, String where) {
    JsonNode root;
    try {
      root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IndexException(where + ": not valid JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new IndexException(where + ": not a JSON object");
    }
    int format = required(root, "format", where).asInt(-1);
    if (format != FORMAT && format != FORMAT_IVF) {
      throw new IndexException(where + ": format " + required(root, "format", where)
          + " is not supported (this version reads formats " + FORMAT + " and " + FORMAT_IVF
          + ")");
    }
    JsonNode m = required(root, "model", where);
    Map<String, String> modelMap = new LinkedHashMap<>();
    m.fields().forEachRemaining(e -> modelMap.put(e.getKey(), e.getValue().asText()));
    ModelReference model;
    try {
      model = ModelReference.of(modelMap.get(ModelReference.MODEL),
          LoadOptions.parse("", modelMap::get));
    } catch (RuntimeException e) {
      throw new IndexException(where + ": key 'model': " + e.getMessage());
    }
    int dims = required(root, "dimensions", where).asInt(-1);
    if (dims < 1) {
      throw new IndexException(where + ": key 'dimensions' must be an integer >= 1, was "
          + root.get("dimensions"));
    }
    String similarity = required(root, "similarity", where).asText();
    if (!SIMILARITY.equals(similarity)) {
      throw new IndexException(where + ": key 'similarity' must be " + SIMILARITY + ", was '"
          + similarity + "'");
    }
    Quantization q;
    try {
      q = Quantization.parse(required(root, "quantization", where).asText());
    } catch (IllegalArgumentException e) {
      throw new IndexException(where + ": key 'quantization': " + e.getMessage());
    }
    List<String> stored = new ArrayList<>();
    JsonNode fields = root.get("storedFields");
    if (fields != null) {
      fields.forEach(f -> stored.add(f.asText()));
    }
    JsonNode s = required(root, "shards", where);
    if (!s.isArray()) {
      throw new IndexException(where + ": key 'shards' must be an array");
    }
    Map<String, Long> shards = new LinkedHashMap<>();
    for (JsonNode shard : s) {
      String name = shard.path("name").asText("");
      long rows = shard.path("rows").asLong(-1);
      // a plain folder name inside the index: no separator, and no "." or ".." (a leading dot)
      if (!name.matches("[A-Za-z0-9_-][A-Za-z0-9._-]*") || rows < 0) {
        throw new IndexException(where + ": key 'shards' has a bad entry " + shard
            + " (needs a plain folder name inside the index and rows >= 0)");
      }
      shards.put(name, rows);
    }
    IndexManifest manifest = new IndexManifest(model, dims,
        root.path("modelNormalizes").asBoolean(false), q, stored, shards);
    JsonNode check = root.get("modelCheck");
    if (check != null && !check.isNull()) {
      JsonNode v = check.path("vector");
      if (!MODEL_CHECK_TEXT.equals(check.path("text").asText(null)) || !v.isArray()
          || v.size() != dims) {
        throw new IndexException(where + ": key 'modelCheck' must hold the check text and a "
            + "vector of " + dims + " numbers");
      }
      float[] vector = new float[dims];
      for (int i = 0; i < dims; i++) {
        if (!v.get(i).isNumber()) {
          throw new IndexException(where + ": key 'modelCheck': element " + i + " is not a number");
        }
        vector[i] = v.get(i).floatValue();
      }
      manifest = manifest.withModelCheck(vector);
    }
    if (format == FORMAT_IVF) {
      manifest = manifest.withIvf(IvfLayout.fromJson(root.get("ivf"), where));
    }
    return manifest;
  }

  private static JsonNode required(JsonNode root, String key, String where) {
    JsonNode v = root.get(key);
    if (v == null || v.isNull()) {
      throw new IndexException(where + ": key '" + key + "' is missing");
    }
    return v;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
