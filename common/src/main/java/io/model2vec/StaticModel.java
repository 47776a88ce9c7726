package io.model2vec;

import io.model2vec.tokenizer.IdBuffer;
import io.model2vec.tokenizer.TokenIdEncoder;
import io.model2vec.tokenizer.TokenizerInfo;
import io.model2vec.tokenizer.Tokenizers;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Model2Vec model: a tokenizer and one vector per token. Encoding a text is tokenize, look up
 * rows, (weighted) mean, optional L2 normalization, with the exact semantics of Python's
 * {@code model2vec.StaticModel.encode}.
 *
 * <p>Thread-safe: one instance serves every thread of a JVM. Engines should not call the
 * {@code load} methods per task but {@link #shared} (or {@link ModelReference#shared}), which
 * shares one loaded model per (model, options) across the whole process.
 *
 * <pre>{@code
 * try (StaticModel model = StaticModel.load("minishlab/potion-base-8M")) {
 *   float[] v = model.encode("It's dangerous to go alone!");
 * }
 * }</pre>
 *
 * <p>Null handling everywhere: a {@code null} text gives a {@code null} vector.
 */
public final class StaticModel implements AutoCloseable {
  /**
   * The built-in default model, used wherever no model is given ({@code load((String) null)},
   * the CLI, the engines): Model2Vec distilled from BAAI/bge-small-en-v1.5 (256 dims), shipped
   * as the classpath folder of the artifact {@code io.model2vec:model2vec-default-model}.
   */
  public static final String DEFAULT_MODEL = "classpath:model2vec/default-model";

  private static final Logger LOG = LoggerFactory.getLogger(StaticModel.class);
  private static final AtomicLong LOADS = new AtomicLong();
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final String description;
  private final EmbeddingTable table;
  private final int[] mapping;
  private final TokenWeights weights;
  private final TokenIdEncoder tokenizer;
  private final TokenizerInfo tokenizerInfo;
  private final int unkId;
  /** Token limit per text; {@link Integer#MAX_VALUE} when there is none. */
  private final int limit;
  /** Characters (code points) kept before tokenizing: maxLength * median token length. */
  private final long maxChars;
  private final int dims;
  private final boolean normalize;
  private final boolean poolInDouble;
  /**
   * Texts of more rows than this pool in double even when the model pools in float: an
   * unweighted I8 table's float sums are exact up to it (a weighted one pools in double anyway).
   */
  private final int floatRows;
  /** The table and tokenizer this model is a view of (its fields above are copied from it). */
  private final LoadedModel loaded;
  /**
   * For a shared model ({@link SharedModels}), its hold on the loaded model that other views
   * share: let go when this model becomes unreachable, never by close(). Null for a model of
   * one's own.
   */
  private final Shared.Holder<LoadedModel> holder;

  /**
   * A view of {@code loaded} with {@code options}: the table and tokenizer are the loaded
   * model's (not copies); only the pooling's parameters are this model's.
   */
  private StaticModel(LoadedModel loaded, LoadOptions options, Shared.Holder<LoadedModel> holder) {
    this.loaded = loaded;
    this.holder = holder;
    this.description = loaded.description;
    this.tokenizerInfo = loaded.tokenizerInfo;
    this.table = loaded.table;
    this.mapping = loaded.mapping;
    this.weights = loaded.weights;
    this.poolInDouble = loaded.poolInDouble;
    this.floatRows = loaded.table.exactFloatRows();
    this.tokenizer = loaded.tokenizer;
    int d = options.dimensions();
    if (d > table.columns) {
      throw new IllegalArgumentException("dimensions must be <= the model's " + table.columns
          + " dimensions, was " + d);
    }
    // Fewer dimensions are the first d columns of the same table: the pooling loops read only
    // those, so a view with fewer dimensions costs no memory.
    this.dims = d == 0 ? table.columns : d;
    this.normalize = options.normalize() != null ? options.normalize() : loaded.normalize;
    Integer maxLength = options.maxLength();
    this.limit = maxLength == null ? Integer.MAX_VALUE : maxLength;
    this.maxChars = maxLength == null ? Long.MAX_VALUE
        : (long) maxLength * tokenizerInfo.medianTokenLength;
    this.unkId = tokenizerInfo.unkId;
  }

  /**
   * A shared model: a view with {@code options} of the loaded model that {@code holder} holds,
   * which this view keeps (and lets go of once it is unreachable).
   */
  static StaticModel view(Shared.Holder<LoadedModel> holder, LoadOptions options) {
    return new StaticModel(holder.get(), options, holder);
  }

  /** The loaded model (table, tokenizer) this model is a view of. */
  LoadedModel loaded() {
    return loaded;
  }

  /** The load's time and where it went, as the load log line says it. */
  String loadTime() {
    return loaded.loadTime;
  }

  // ---------------------------------------------------------------- loading

  /**
   * Loads a model from a local folder, a {@code file:} URI, a {@code classpath:} folder or a
   * HuggingFace hub repo id ({@code minishlab/potion-base-8M}, cached like Python's
   * huggingface_hub does); {@code null} loads the built-in {@link #DEFAULT_MODEL}.
   */
  public static StaticModel load(String model) {
    return load(model, LoadOptions.defaults());
  }

  public static StaticModel load(String model, LoadOptions options) {
    return ModelResolver.load(model, options);
  }

  /** Loads a model from a local folder in any of the model2vec / sentence-transformers layouts. */
  public static StaticModel load(Path folder) {
    return load(folder, LoadOptions.defaults());
  }

  public static StaticModel load(Path folder, LoadOptions options) {
    return load(ModelFiles.fromFolder(folder, options.subfolder()), options);
  }

  /**
   * Loads a model from streams, e.g. resources packaged in a jar. The streams are read fully and
   * not closed. {@code config} may be {@code null} (then {@code normalize} defaults to false).
   */
  public static StaticModel load(InputStream safetensors, InputStream tokenizerJson,
      InputStream config, LoadOptions options) {
    return load(ModelFiles.fromStreams("<streams>", safetensors, tokenizerJson, config), options);
  }

  static StaticModel load(ModelFiles files, LoadOptions options) {
    LoadedModel loaded = new LoadedModel(ModelParts.read(files), files);
    LOADS.incrementAndGet();
    StaticModel model = new StaticModel(loaded, options, null);
    EmbeddingTable table = loaded.table;
    Integer maxLength = options.maxLength();
    LOG.info("Loaded Model2Vec model {}: {} x {} {} table ({} dims used){}{}, pooling {}, "
        + "tokenizer {} ({}), normalize={}, maxLength={}; {}", loaded.description, table.rows,
        table.columns, table.dtype(), model.dims, loaded.mapping == null ? ""
        : ", vocabulary-quantized", loaded.weights == null ? "" : ", weighted",
        model.poolingImplementation(), loaded.tokenizerInfo.modelType, loaded.tokenizer.name(),
        model.normalize, maxLength == null ? "none" : maxLength, loaded.loadTime);
    return model;
  }

  /**
   * The JVM-wide shared model for ({@code model}, {@code options}): its files are loaded on first
   * use, exactly once however many threads ask at the same time; every holder gets the same
   * instance, and other options (normalize, max length, dimensions) are views of the same table
   * and tokenizer, not copies. The loaded model stays while any view of it is held, and for
   * {@code model2vec.cache.idle-seconds} (default 300) after the last one is dropped, so that
   * back-to-back tasks do not reload it. Shorthand for
   * {@code ModelReference.of(model, options).shared()}; engines use {@link ModelReference}.
   */
  public static StaticModel shared(String model, LoadOptions options) {
    return ModelReference.of(model, options).shared();
  }

  /** How many models this JVM has loaded so far (every path). For tests and metrics. */
  public static long loadCount() {
    return LOADS.get();
  }

  // ---------------------------------------------------------------- encoding

  /** The embedding of {@code text}, or {@code null} for a {@code null} text. */
  public float[] encode(String text) {
    if (text == null) {
      return null;
    }
    return pooled(text);
  }

  /**
   * Writes the embedding of {@code text} into {@code out[offset .. offset + dimension())}.
   *
   * @return the number of tokens that were pooled (0 gives the zero vector)
   */
  public int encodeInto(String text, float[] out, int offset) {
    return encodeInto(text, out, offset, null);
  }

  /** As {@link #encodeInto(String, float[], int)}, also counting tokens into {@code counter}. */
  public int encodeInto(String text, float[] out, int offset, TokenCounter counter) {
    if (text == null) {
      throw new NullPointerException("text must not be null");
    }
    if (offset < 0 || offset > out.length - dims) {
      throw new IndexOutOfBoundsException("out must hold " + dims + " floats from offset "
          + offset + ", but has length " + out.length);
    }
    return pool(text, out, offset, counter);
  }

  /** Embeddings of {@code texts} in order, on the calling thread; null texts give null rows. */
  public float[][] encode(List<String> texts) {
    float[][] out = new float[texts.size()][];
    encodeRange(texts, out, 0, texts.size());
    return out;
  }

  /**
   * Embeddings of {@code texts} in order, split into about {@code parallelism} parts that run on
   * {@code executor} while the calling thread runs the first; null texts give null rows. The
   * caller owns the executor (e.g. {@code ForkJoinPool.commonPool()}, or a pool sized for the
   * job); parts smaller than 64 texts are not worth a thread.
   */
  public float[][] encode(List<String> texts, Executor executor, int parallelism) {
    Objects.requireNonNull(executor, "executor must not be null");
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be >= 1, was " + parallelism);
    }
    int n = texts.size();
    float[][] out = new float[n][];
    int parts = Math.min(parallelism, Math.max(1, n / 64));
    int chunk = (n + parts - 1) / Math.max(1, parts);
    List<CompletableFuture<Void>> futures = new ArrayList<>(parts);
    for (int p = 1; p < parts; p++) {
      int from = p * chunk;
      int to = Math.min(n, from + chunk);
      futures.add(CompletableFuture.runAsync(() -> encodeRange(texts, out, from, to), executor));
    }
    encodeRange(texts, out, 0, Math.min(n, chunk));
    try {
      CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();
    } catch (CompletionException e) {
      Throwable c = e.getCause();
      if (c instanceof Error) {
        throw (Error) c; // e.g. OutOfMemoryError, as it is
      }
      throw c instanceof RuntimeException ? (RuntimeException) c : e;
    }
    return out;
  }

  private void encodeRange(List<String> texts, float[][] out, int from, int to) {
    for (int i = from; i < to; i++) {
      out[i] = encode(texts.get(i));
    }
  }

  /**
   * One vector per kept token ({@code encode_as_sequence}): rows of the table (through the
   * mapping, scaled by the weights), neither averaged nor normalized. {@code null} for null.
   */
  public float[][] encodeAsSequence(String text) {
    if (text == null) {
      return null;
    }
    int[] ids = tokenize(text);
    float[][] out = new float[ids.length][dims];
    for (int i = 0; i < ids.length; i++) {
      int id = ids[i];
      int row = mapping == null ? id : mapping[id];
      double scale = weights == null ? 1.0 : weights.scale(id);
      for (int j = 0; j < dims; j++) {
        out[i][j] = (float) (table.get(row, j) * scale);
      }
    }
    return out;
  }

  /**
   * The token ids that {@link #encode} pools: tokenized without special tokens after character
   * truncation, unknown tokens dropped, at most {@code maxLength}. {@code null} for null.
   */
  public int[] tokenize(String text) {
    if (text == null) {
      return null;
    }
    Scratch s = SCRATCH.get();
    int kept = keptIds(text, s);
    return Arrays.copyOf(s.ids.ids, kept);
  }

  /**
   * Tokenizes {@code text} into {@code s.ids} and keeps, in place, the ids that are pooled:
   * unknown ids dropped, at most {@link #limit}. Returns how many were kept; {@code s.examined}
   * and {@code s.unknown} say how many ids were looked at and dropped (the coverage counts).
   */
  private int keptIds(String text, Scratch s) {
    IdBuffer buf = s.ids;
    tokenizer.encode(truncateChars(text), buf);
    int[] ids = buf.ids;
    int n = buf.size;
    int kept = 0;
    int i = 0;
    for (; i < n && kept < limit; i++) {
      int id = ids[i];
      if (id != unkId) {
        ids[kept++] = id;
      }
    }
    s.examined = i;
    s.unknown = i - kept;
    return kept;
  }

  private int pool(String text, float[] out, int offset, TokenCounter counter) {
    Scratch s = SCRATCH.get();
    int kept = poolInScratch(text, s, counter);
    System.arraycopy(s.f, 0, out, offset, dims);
    return kept;
  }

  /** A new array with the embedding: a copy of the finished scratch vector. */
  private float[] pooled(String text) {
    Scratch s = SCRATCH.get();
    poolInScratch(text, s, null);
    // Arrays.copyOf allocates without zeroing first: the vector is written to fresh memory once
    return Arrays.copyOf(s.f, dims);
  }

  /**
   * Tokenizes and pools into the thread's scratch: the finished vector (mean, normalized) in
   * {@code s.f}; tables pooled in double sum in {@code s.d} first.
   */
  private int poolInScratch(String text, Scratch s, TokenCounter counter) {
    int kept = keptIds(text, s);
    int[] ids = s.ids.ids;
    // token ids -> scales (by token id) and table rows (in place), then one pass over the table
    float[] scales = null;
    double[] doubleScales = null;
    if (weights != null) {
      if (poolInDouble) {
        doubleScales = s.doubleScales(kept);
        weights.gather(ids, kept, doubleScales);
      } else {
        scales = s.scales(kept);
        weights.gather(ids, kept, scales);
      }
    }
    if (mapping != null) {
      for (int i = 0; i < kept; i++) {
        ids[i] = mapping[ids[i]];
      }
    }
    if (poolInDouble || kept > floatRows) {
      double[] acc = s.doubles(dims);
      table.addRows(acc, ids, doubleScales, kept, dims);
      float[] f = s.floats(dims);
      if (kept > 0) {
        for (int j = 0; j < dims; j++) {
          f[j] = (float) (acc[j] / kept);
        }
        if (normalize) {
          normalizeInPlace(f, 1e-32);
        }
      }
    } else {
      float[] acc = s.floats(dims);
      table.addRows(acc, ids, scales, kept, dims);
      if (kept > 0) {
        if (normalize) {
          // the mean's direction is the sum's: one pass instead of a division per value first
          // (kept * 1e-32 keeps the reference's epsilon, which it adds to the mean's norm)
          normalizeInPlace(acc, kept * 1e-32);
        } else {
          for (int j = 0; j < dims; j++) {
            acc[j] = acc[j] / kept;
          }
        }
      }
    }
    if (counter != null) {
      counter.texts++;
      counter.tokens += s.examined;
      counter.unknown += s.unknown;
    }
    return kept;
  }

  /**
   * Divides {@code v[0 .. dims)} by its L2 norm (+ epsilon). Four partial sums and
   * one multiply per value: the strictly sequential double sum and a double division per value
   * cost more than the whole tokenizer. The reference divides in float32, so the last bit was
   * never part of the contract (1e-5 relative).
   */
  private void normalizeInPlace(float[] v, double epsilon) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int j = 0;
    for (; j + 4 <= dims; j += 4) {
      double x0 = v[j];
      double x1 = v[j + 1];
      double x2 = v[j + 2];
      double x3 = v[j + 3];
      s0 += x0 * x0;
      s1 += x1 * x1;
      s2 += x2 * x2;
      s3 += x3 * x3;
    }
    for (; j < dims; j++) {
      double x = v[j];
      s0 += x * x;
    }
    float inv = (float) (1.0 / (Math.sqrt((s0 + s1) + (s2 + s3)) + epsilon));
    for (j = 0; j < dims; j++) {
      v[j] *= inv;
    }
  }

  /** Python's {@code sentence[:max_length * median_token_length]}, by code points. */
  private String truncateChars(String text) {
    if (text.length() <= maxChars) {
      return text; // chars >= code points, so it certainly fits
    }
    int cut = (int) maxChars;
    if (text.codePointCount(0, text.length()) <= cut) {
      return text;
    }
    return text.substring(0, text.offsetByCodePoints(0, cut));
  }

  // ---------------------------------------------------------------- facts

  /** Length of the vectors this model returns. */
  public int dimension() {
    return dims;
  }

  /** Whether vectors are L2-normalized. */
  public boolean normalizes() {
    return normalize;
  }

  /** The token limit per text, or {@code null} when there is none. */
  public Integer maxLength() {
    return limit == Integer.MAX_VALUE ? null : limit;
  }

  /** Number of token ids the tokenizer can produce. */
  public int vocabularySize() {
    return tokenizerInfo.vocabSize;
  }

  /** Where the model came from. */
  public String description() {
    return description;
  }

  /**
   * A float copy of the embedding table, one row per table row (dequantized, before any weights
   * or mapping): for tools that start from a model, such as training. Not for encoding.
   */
  public float[][] table() {
    float[][] out = new float[table.rows][table.columns];
    for (int r = 0; r < table.rows; r++) {
      for (int c = 0; c < table.columns; c++) {
        out[r][c] = table.get(r, c);
      }
    }
    return out;
  }

  /** Bytes held by the embedding table (in its stored dtype). */
  public long tableBytes() {
    return table.bytes();
  }

  /** Stored dtype of the table: F32, F16, BF16, F64 or I8. */
  public String tableDtype() {
    return table.dtype();
  }

  /**
   * How the table's rows are added up: for unweighted F16 and I8 tables, whether the Vector API
   * is in use ({@code --add-modules=jdk.incubator.vector}, which JVMs started by Spark 4's
   * launcher have) or the scalar loop.
   */
  public String poolingImplementation() {
    if (poolInDouble) {
      // F64 tables, weighted I8 tables, F64 weights (as numpy)
      return weights != null && weights.poolsInDouble() && table instanceof EmbeddingTable.F32
          ? "double accumulator, 4 weighted rows per pass" : "double accumulator, one row at a time";
    }
    return weights != null ? "weighted, one row at a time" : table.pooling();
  }

  /** Which tokenizer implementation encodes: "native" (HuggingFace tokenizers) or a Java one. */
  public String tokenizerImplementation() {
    return tokenizer.name();
  }

  /**
   * For a model of your own ({@code load}): refuses further encoding; its native memory is freed
   * once it is unreachable. For a {@link #shared} model: nothing, since other tasks and threads
   * hold the same instance; its table is released once no view of it has been held for the
   * idle period.
   */
  @Override
  public void close() {
    if (holder == null) {
      tokenizer.close();
    }
  }

  @Override
  public String toString() {
    return "StaticModel{" + description + ", dim=" + dims + ", " + table.dtype() + "}";
  }

  /**
   * Token counts of the texts encoded with it: how many ids the tokenizer produced and how many
   * were dropped as unknown (the "coverage" of a corpus). Not thread-safe: one per task/thread.
   */
  public static final class TokenCounter {
    long texts;
    long tokens;
    long unknown;

    public long texts() {
      return texts;
    }

    public long tokens() {
      return tokens;
    }

    public long unknown() {
      return unknown;
    }

    public void reset() {
      texts = 0;
      tokens = 0;
      unknown = 0;
    }
  }

  // ---------------------------------------------------------------- helpers

  private static final class Scratch {
    final IdBuffer ids = new IdBuffer(256);
    /** Of the last {@link #keptIds}: ids looked at, and unknown ids dropped among them. */
    int examined;
    int unknown;
    float[] f = new float[256];
    double[] d = new double[256];
    private float[] w = new float[256];

    private double[] ds = new double[256];

    double[] doubleScales(int n) {
      if (ds.length < n) {
        ds = new double[Math.max(n, ds.length * 2)];
      }
      return ds;
    }

    float[] scales(int n) {
      if (w.length < n) {
        w = new float[Math.max(n, w.length * 2)];
      }
      return w;
    }

    float[] floats(int n) {
      if (f.length < n) {
        f = new float[n];
      } else {
        Arrays.fill(f, 0, n, 0f);
      }
      return f;
    }

    double[] doubles(int n) {
      if (d.length < n) {
        d = new double[n];
      } else {
        Arrays.fill(d, 0, n, 0d);
      }
      return d;
    }
  }
}
