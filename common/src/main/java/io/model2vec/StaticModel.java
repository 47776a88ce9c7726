package io.model2vec;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Model2Vec model: a tokenizer and one vector per token. Encoding a text is tokenize, look up
 * rows, (weighted) mean, optional L2 normalization, with the exact semantics of Python's
 * {@code model2vec.StaticModel.encode}.
 *
 * <p>Thread-safe: one instance serves every thread of a JVM. Engines should not call the
 * {@code load} methods per task but {@link #acquire}, which shares one loaded model per
 * (model, options) across the whole process.
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
  private static final ExecutorService BATCH_POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "model2vec-batch");
    t.setDaemon(true);
    return t;
  });

  private final String description;
  private final EmbeddingTable table;
  private final int[] mapping;
  private final float[] weightsF;
  private final double[] weightsD;
  private final TokenIdEncoder tokenizer;
  private final TokenizerInfo tokenizerInfo;
  private final int unkId;
  private final Integer maxLength;
  /** Characters (code points) kept before tokenizing: maxLength * median token length. */
  private final long maxChars;
  private final int dims;
  private final boolean normalize;
  private final boolean poolInDouble;

  private StaticModel(ModelFiles files, LoadOptions options) {
    this.description = files.description;
    SafeTensors st = SafeTensors.parse(files.tensors, files.tensorsName);
    TokenizerInfo info = TokenizerInfo.parse(files.tokenizerJson, files.tokenizerName);
    this.tokenizerInfo = info;

    SafeTensors.Tensor emb = firstPresent(st, "embeddings", "embedding.weight", "0");
    this.table = EmbeddingTable.read(st, emb);
    SafeTensors.Tensor map = st.get("mapping");
    SafeTensors.Tensor w = st.get("weights");
    this.mapping = map == null ? null : readMapping(st, map, info.vocabSize, table.rows);
    if (mapping == null && table.rows != info.vocabSize) {
      throw new Model2VecException(files.tensorsName + " tensor '" + emb.name + "' has "
          + table.rows + " rows but " + files.tokenizerName + " has a vocabulary of "
          + info.vocabSize + " tokens, and there is no 'mapping' tensor to connect them");
    }
    if (w == null) {
      this.weightsF = null;
      this.weightsD = null;
    } else if (w.dtype == SafeTensors.DType.F64) {
      this.weightsD = readWeightsD(st, w, info.vocabSize);
      this.weightsF = null;
    } else {
      this.weightsF = readWeightsF(st, w, info.vocabSize);
      this.weightsD = null;
    }
    this.poolInDouble = table.poolsInDouble() || weightsD != null;

    int d = options.dimensions();
    if (d > table.columns) {
      throw new IllegalArgumentException("dimensions must be <= the model's " + table.columns
          + " dimensions, was " + d);
    }
    this.dims = d == 0 ? table.columns : d;
    this.normalize = options.normalize() != null ? options.normalize()
        : normalizeFromConfig(files);
    this.maxLength = options.maxLength();
    this.maxChars = maxLength == null ? Long.MAX_VALUE : (long) maxLength * info.medianTokenLength;
    this.unkId = info.unkId;
    this.tokenizer = Tokenizers.create(files.tokenizerJson, info, files.tokenizerName);
    LOADS.incrementAndGet();
    LOG.info("Loaded Model2Vec model {}: {} x {} {} table ({} dims used){}{}, pooling {}, "
        + "tokenizer {} ({}), normalize={}, maxLength={}", description, table.rows,
        table.columns, table.dtype(), dims, mapping == null ? "" : ", vocabulary-quantized",
        weightsF == null && weightsD == null ? "" : ", weighted", poolingImplementation(),
        info.modelType, tokenizer.name(), normalize, maxLength == null ? "none" : maxLength);
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
    return new StaticModel(ModelFiles.fromFolder(folder, options.subfolder()), options);
  }

  /**
   * Loads a model from streams, e.g. resources packaged in a jar. The streams are read fully and
   * not closed. {@code config} may be {@code null} (then {@code normalize} defaults to false).
   */
  public static StaticModel load(InputStream safetensors, InputStream tokenizerJson,
      InputStream config, LoadOptions options) {
    return new StaticModel(ModelFiles.fromStreams("<streams>", safetensors, tokenizerJson, config),
        options);
  }

  static StaticModel load(ModelFiles files, LoadOptions options) {
    return new StaticModel(files, options);
  }

  /**
   * The process-wide shared model for ({@code model}, {@code options}): loaded on first use,
   * exactly once however many threads ask at the same time, and released when the last lease is
   * closed and it has stayed unused for {@code model2vec.cache.idle-seconds} (default 300), so
   * that back-to-back Spark tasks do not reload it.
   */
  public static ModelLease acquire(String model, LoadOptions options) {
    return ModelCache.acquire(model, options);
  }

  /**
   * Resolves {@code model} to a local folder without loading it: the folder itself, or the hub
   * snapshot after downloading it into the HuggingFace cache. Engines call this once on the driver
   * and ship the folder to executors. Returns {@code null} for {@code classpath:} models (and the
   * built-in default), which every JVM finds on its own classpath.
   */
  public static Path resolveFolder(String model, LoadOptions options) {
    return ModelResolver.resolveFolder(model, options);
  }

  /** How many models this JVM has loaded so far (every path). For tests and metrics. */
  public static long loadCount() {
    return LOADS.get();
  }

  /** A hold on a shared model; close it when done. Closing twice is harmless. */
  public static final class ModelLease implements AutoCloseable {
    private final ModelCache.Entry entry;
    private final StaticModel model;
    private final java.util.concurrent.atomic.AtomicBoolean open =
        new java.util.concurrent.atomic.AtomicBoolean(true);

    ModelLease(ModelCache.Entry entry, StaticModel model) {
      this.entry = entry;
      this.model = model;
    }

    public StaticModel model() {
      if (!open.get()) {
        throw new IllegalStateException("this lease on " + model.description + " was closed");
      }
      return model;
    }

    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        ModelCache.release(entry);
      }
    }
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
    return encode(texts, 1);
  }

  /**
   * Embeddings of {@code texts} in order, split over {@code threads} threads (the caller's and a
   * shared daemon pool); null texts give null rows.
   */
  public float[][] encode(List<String> texts, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    float[][] out = new float[texts.size()][];
    int n = texts.size();
    int parts = Math.min(threads, Math.max(1, n / 64));
    if (parts <= 1) {
      encodeRange(texts, out, 0, n);
      return out;
    }
    List<Future<?>> futures = new ArrayList<>(parts - 1);
    int chunk = (n + parts - 1) / parts;
    for (int p = 1; p < parts; p++) {
      int from = p * chunk;
      int to = Math.min(n, from + chunk);
      futures.add(BATCH_POOL.submit(() -> encodeRange(texts, out, from, to)));
    }
    encodeRange(texts, out, 0, Math.min(n, chunk));
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while encoding a batch", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException) {
          throw (RuntimeException) c;
        }
        throw new IllegalStateException(c);
      }
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
      double scale = weightsD != null ? weightsD[id] : weightsF != null ? weightsF[id] : 1.0;
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
    IdBuffer buf = SCRATCH.get().ids;
    tokenizer.encode(truncateChars(text), buf);
    int limit = maxLength == null ? Integer.MAX_VALUE : maxLength;
    int kept = 0;
    int[] ids = buf.ids;
    for (int i = 0; i < buf.size && kept < limit; i++) {
      if (ids[i] != unkId) {
        ids[kept++] = ids[i];
      }
    }
    return Arrays.copyOf(ids, kept);
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
    IdBuffer buf = s.ids;
    tokenizer.encode(truncateChars(text), buf);
    int[] ids = buf.ids;
    int n = buf.size;
    int limit = maxLength == null ? Integer.MAX_VALUE : maxLength;
    int kept = 0;
    int unknown = 0;
    int i = 0;
    if (poolInDouble) {
      double[] acc = s.doubles(dims);
      // rows and scales first (rows written over the ids already read), then one pass
      double[] scales = s.doubleScales(n);
      for (; i < n && kept < limit; i++) {
        int id = ids[i];
        if (id == unkId) {
          unknown++;
          continue;
        }
        scales[kept] = weightsD != null ? weightsD[id] : weightsF != null ? weightsF[id] : 1.0;
        ids[kept++] = mapping == null ? id : mapping[id];
      }
      table.addRows(acc, ids, scales, kept, dims);
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
      // first the rows (written over the ids already read), then one pass over the table
      float[] scales = weightsF == null ? null : s.scales(n);
      for (; i < n && kept < limit; i++) {
        int id = ids[i];
        if (id == unkId) {
          unknown++;
          continue;
        }
        if (scales != null) {
          scales[kept] = weightsF[id];
        }
        ids[kept++] = mapping == null ? id : mapping[id];
      }
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
      counter.tokens += i;
      counter.unknown += unknown;
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
    return maxLength;
  }

  /** Number of token ids the tokenizer can produce. */
  public int vocabularySize() {
    return tokenizerInfo.vocabSize;
  }

  /** Where the model came from. */
  public String description() {
    return description;
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
   * How the table's rows are added up: for unweighted F16 tables, whether the Vector API is in
   * use ({@code --add-modules=jdk.incubator.vector}, which JVMs started by Spark 4's launcher
   * have) or the scalar loop.
   */
  public String poolingImplementation() {
    if (poolInDouble) {
      // F64/I8 tables, F64 weights (as numpy)
      return weightsD != null && table instanceof EmbeddingTable.F32
          ? "double accumulator, 4 weighted rows per pass" : "double accumulator, one row at a time";
    }
    return weightsF != null ? "weighted, one row at a time" : table.pooling();
  }

  /** Which tokenizer implementation encodes: "native" (HuggingFace tokenizers) or a Java one. */
  public String tokenizerImplementation() {
    return tokenizer.name();
  }

  /** Refuses further encoding; native memory is freed once the model is unreachable. */
  @Override
  public void close() {
    tokenizer.close();
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

  private boolean normalizeFromConfig(ModelFiles files) {
    JsonNode n = files.config.get("normalize");
    if (n == null || n.isNull()) {
      return files.normalizeModule;
    }
    if (!n.isBoolean()) {
      throw new Model2VecException(files.description + " config key 'normalize' must be true or "
          + "false, was " + n);
    }
    return n.asBoolean();
  }

  private static SafeTensors.Tensor firstPresent(SafeTensors st, String... names) {
    for (String name : names) {
      SafeTensors.Tensor t = st.get(name);
      if (t != null) {
        return t;
      }
    }
    throw SafeTensors.error(st.source(), "has no embedding tensor (looked for "
        + String.join(", ", names) + "; found " + st.tensors().keySet() + ")");
  }

  private static int[] readMapping(SafeTensors st, SafeTensors.Tensor t, int vocab, int rows) {
    String where = "tensor 'mapping'";
    checkVector(st, t, vocab, where);
    int[] m = new int[vocab];
    java.nio.ByteBuffer b = st.bytes(t);
    if (t.dtype == SafeTensors.DType.I32) {
      b.asIntBuffer().get(m);
    } else if (t.dtype == SafeTensors.DType.I64) {
      for (int i = 0; i < vocab; i++) {
        long v = b.getLong(i * 8);
        m[i] = v < 0 || v >= rows ? -1 : (int) v;
        if (m[i] < 0) {
          throw SafeTensors.error(st.source(), where + " maps token " + i + " to row " + v
              + ", outside the " + rows + " rows of the embedding table");
        }
      }
    } else {
      throw SafeTensors.error(st.source(), where + " has dtype " + t.dtype + "; must be I32 or I64");
    }
    for (int i = 0; i < vocab; i++) {
      if (m[i] < 0 || m[i] >= rows) {
        throw SafeTensors.error(st.source(), where + " maps token " + i + " to row " + m[i]
            + ", outside the " + rows + " rows of the embedding table");
      }
    }
    return m;
  }

  private static double[] readWeightsD(SafeTensors st, SafeTensors.Tensor t, int vocab) {
    checkVector(st, t, vocab, "tensor 'weights'");
    double[] w = new double[vocab];
    st.bytes(t).asDoubleBuffer().get(w);
    for (int i = 0; i < vocab; i++) {
      if (!Double.isFinite(w[i])) {
        throw SafeTensors.error(st.source(), "tensor 'weights' holds " + w[i] + " for token " + i);
      }
    }
    return w;
  }

  private static float[] readWeightsF(SafeTensors st, SafeTensors.Tensor t, int vocab) {
    checkVector(st, t, vocab, "tensor 'weights'");
    float[] w = new float[vocab];
    java.nio.ByteBuffer b = st.bytes(t);
    if (t.dtype == SafeTensors.DType.F32) {
      b.asFloatBuffer().get(w);
    } else if (t.dtype == SafeTensors.DType.F16) {
      for (int i = 0; i < vocab; i++) {
        w[i] = EmbeddingTable.F16.halfToFloat(b.getShort(i * 2));
      }
    } else {
      throw SafeTensors.error(st.source(), "tensor 'weights' has dtype " + t.dtype
          + "; must be F64, F32 or F16");
    }
    for (int i = 0; i < vocab; i++) {
      if (!Float.isFinite(w[i])) {
        throw SafeTensors.error(st.source(), "tensor 'weights' holds " + w[i] + " for token " + i);
      }
    }
    return w;
  }

  private static void checkVector(SafeTensors st, SafeTensors.Tensor t, int vocab, String where) {
    if (t.shape.length != 1) {
      throw SafeTensors.error(st.source(), where + " must be 1-D [vocab] but has shape "
          + Arrays.toString(t.shape));
    }
    if (t.shape[0] != vocab) {
      throw SafeTensors.error(st.source(), where + " has " + t.shape[0]
          + " entries but the tokenizer has a vocabulary of " + vocab + " tokens");
    }
  }

}
