package io.model2vec;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.model2vec.pipeline.PipelineHead;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model2vec classifier: a {@link StaticModel} and the scikit-learn head that Python's
 * {@code model2vec.inference.StaticModelPipeline} saves beside it as {@value #FILE} (a skops
 * file), run with the semantics of that class: {@link #predict} is the most probable class,
 * a multilabel head ({@code MLPClassifier} with logistic outputs) gives every class above
 * {@link #threshold()} (default 0.5), {@link #predictProba} the probabilities in the order of
 * {@link #classes()}, and a projector ({@code MLPRegressor}) its output vector. Texts are encoded
 * as the model does (at most 512 tokens by default, as Python's pipeline).
 *
 * <p>Supported heads: a {@code Pipeline} of optional {@code StandardScaler} / {@code Normalizer}
 * steps and an {@code MLPClassifier} (any hidden layers; relu, tanh, logistic, identity),
 * {@code MLPRegressor} or {@code LogisticRegression} (binary, one versus rest, multinomial);
 * string or integer classes. Nothing in the file is evaluated: any other class, a function
 * object or an unknown skops loader is refused with one line naming it and the file.
 *
 * <p>Thread-safe: one instance serves every thread. Engines use {@link #shared}, which loads a
 * pipeline once per JVM, as {@link StaticModel#shared} does models.
 *
 * <pre>{@code
 * try (StaticModelPipeline spam = StaticModelPipeline.load("/models/spam-classifier")) {
 *   String label = spam.predict("WIN A FREE CRUISE!!!");
 *   float[] proba = spam.predictProba("WIN A FREE CRUISE!!!"); // in the order of classes()
 * }
 * }</pre>
 *
 * <p>Null handling everywhere: a {@code null} text gives a {@code null} result.
 */
public final class StaticModelPipeline implements AutoCloseable {
  /** The head's file name in a pipeline folder, as model2vec writes it. */
  public static final String FILE = "pipeline.skops";
  /** model2vec's default threshold of multilabel heads. */
  public static final double DEFAULT_THRESHOLD = 0.5;
  /** Texts encoded and run through the head together in the batch methods. */
  private static final int CHUNK = 64;

  private static final Logger LOG = LoggerFactory.getLogger(StaticModelPipeline.class);
  private static final Shared<String, PipelineHead> HEADS = Shared.create("pipeline head", h -> { });
  private static final Cache<String, StaticModelPipeline> SHARED =
      Caffeine.newBuilder().weakValues().build();

  /** What a pipeline's head computes, as model2vec's {@code HeadType}. */
  public enum Kind {
    /** One class per text. */
    CLASSIFIER,
    /** Every class whose probability is above the threshold. */
    MULTILABEL,
    /** A vector per text ({@code MLPRegressor}). */
    PROJECTOR
  }

  private final StaticModel model;
  private final PipelineHead head;
  private final Kind kind;
  private final double threshold;
  /** The shared head's hold, for a shared pipeline; let go when this becomes unreachable. */
  private final Shared.Holder<PipelineHead> holder;

  private StaticModelPipeline(StaticModel model, PipelineHead head, double threshold,
      Shared.Holder<PipelineHead> holder) {
    if (head.inputDimension() != model.dimension()) {
      throw new Model2VecException("pipeline head " + head.source() + " takes vectors of "
          + head.inputDimension() + " dimensions, but the model " + model.description()
          + " makes " + model.dimension());
    }
    this.model = model;
    this.head = head;
    this.kind = Kind.valueOf(head.kind().name());
    this.threshold = threshold;
    this.holder = holder;
  }

  // ---------------------------------------------------------------- loading

  /**
   * Loads a pipeline from a folder (the model's files and {@value #FILE}), a {@code file:} URI,
   * a {@code classpath:} folder or a HuggingFace hub repo id, with default options.
   */
  public static StaticModelPipeline load(String pipeline) {
    return load(pipeline, LoadOptions.defaults());
  }

  /** {@link #load(String)} with {@code options} (max length, revision, subfolder, ...). */
  public static StaticModelPipeline load(String pipeline, LoadOptions options) {
    Objects.requireNonNull(options, "options must not be null (use LoadOptions.defaults())");
    checkReference(pipeline);
    if (pipeline.startsWith(ModelResolver.CLASSPATH)) {
      StaticModel model = ModelResolver.load(pipeline, options);
      return new StaticModelPipeline(model, classpathHead(pipeline, options), DEFAULT_THRESHOLD,
          null);
    }
    return load(folder(pipeline, options), options);
  }

  /** Loads a pipeline from a local folder: the model's files and {@value #FILE}. */
  public static StaticModelPipeline load(Path folder) {
    return load(folder, LoadOptions.defaults());
  }

  public static StaticModelPipeline load(Path folder, LoadOptions options) {
    Objects.requireNonNull(options, "options must not be null (use LoadOptions.defaults())");
    PipelineHead head = PipelineHead.read(headFile(folder, options));
    StaticModel model = StaticModel.load(folder, options);
    StaticModelPipeline p = new StaticModelPipeline(model, head, DEFAULT_THRESHOLD, null);
    LOG.info("Loaded pipeline {}: {}", folder, head.description());
    return p;
  }

  /**
   * The JVM-wide shared pipeline of {@code pipeline} with {@code options}: loaded on first use,
   * exactly once however many threads ask, its model shared as {@link StaticModel#shared} shares
   * models, kept while anyone holds it and for {@code model2vec.cache.idle-seconds} after.
   */
  public static StaticModelPipeline shared(String pipeline, LoadOptions options) {
    checkReference(pipeline);
    return shared(ModelReference.of(pipeline, options), name -> null);
  }

  /**
   * The shared pipeline of an engine's reference: {@code shippedFolders} maps the name the engine
   * shipped the folder under ({@link ModelReference#shippedAs}) to this JVM's copy, as for
   * {@link ModelReference#shared(Function)}.
   */
  public static StaticModelPipeline shared(ModelReference reference,
      Function<String, Path> shippedFolders) {
    Objects.requireNonNull(reference, "reference must not be null");
    LoadOptions options = reference.options();
    String identity;
    String from;
    if (reference.shippedAs() != null) {
      Path copy = shippedFolders.apply(reference.shippedAs());
      if (copy == null) {
        throw new Model2VecException("pipeline " + reference + " was shipped as '"
            + reference.shippedAs() + "', but this JVM has no copy of it");
      }
      identity = "shipped:" + reference.shippedAs() + "#" + ModelFiles.fingerprint(copy);
      from = copy.toAbsolutePath().toString();
    } else {
      checkReference(reference.reference());
      identity = ModelResolver.canonical(reference.reference());
      from = reference.reference();
    }
    String key = identity + " " + options;
    StaticModelPipeline p = SHARED.getIfPresent(key);
    if (p != null) {
      return p;
    }
    return SHARED.get(key, k -> {
      Shared.Holder<PipelineHead> h = HEADS.hold(identity + " " + options.source(),
          id -> readHead(from, options));
      try {
        return new StaticModelPipeline(SharedModels.get(identity, from, options), h.get(),
            DEFAULT_THRESHOLD, h);
      } catch (RuntimeException e) {
        h.close();
        throw e;
      }
    });
  }

  /**
   * The local folder of a pipeline reference, resolved now: the folder itself, or the hub
   * snapshot with {@value #FILE} downloaded beside the model files; {@code null} for a
   * {@code classpath:} pipeline. Engines call it once, on the driver or client, and ship the
   * folder to their workers.
   */
  public static Path resolveFolder(String pipeline, LoadOptions options) {
    checkReference(pipeline);
    if (pipeline.startsWith(ModelResolver.CLASSPATH)) {
      return null;
    }
    return folder(pipeline, options).toAbsolutePath().normalize();
  }

  private static void checkReference(String pipeline) {
    if (pipeline == null || pipeline.isBlank()) {
      throw new IllegalArgumentException("pipeline must be a folder, a file: URI, a classpath: "
          + "folder or a HuggingFace repo id, was " + (pipeline == null ? "null"
          : "'" + pipeline + "'"));
    }
  }

  private static Path folder(String pipeline, LoadOptions options) {
    Path local = ModelResolver.localPath(pipeline);
    if (local != null) {
      return local;
    }
    if (ModelResolver.isHubId(pipeline)) {
      return HubClient.fromEnvironment().snapshotWith(pipeline, options, FILE);
    }
    throw new Model2VecException("pipeline '" + pipeline + "' is neither an existing folder nor "
        + "a HuggingFace repo id (like minishlab/potion-base-8M)");
  }

  private static Path headFile(Path folder, LoadOptions options) {
    Path dir = options.subfolder() == null ? folder : folder.resolve(options.subfolder());
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new Model2VecException("pipeline folder " + dir + " has no " + FILE
          + " (a model2vec classifier saved by StaticModelPipeline.save_pretrained has one)");
    }
    return file;
  }

  private static PipelineHead readHead(String from, LoadOptions options) {
    if (from.startsWith(ModelResolver.CLASSPATH)) {
      return classpathHead(from, options);
    }
    return PipelineHead.read(headFile(folder(from, options), options));
  }

  private static PipelineHead classpathHead(String pipeline, LoadOptions options) {
    String base = pipeline.substring(ModelResolver.CLASSPATH.length()).replaceAll("^/+", "")
        .replaceAll("/+$", "");
    if (options.subfolder() != null) {
      base = base + "/" + options.subfolder();
    }
    String name = base.isEmpty() ? FILE : base + "/" + FILE;
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    if (cl == null) {
      cl = StaticModelPipeline.class.getClassLoader();
    }
    try (InputStream in = cl.getResourceAsStream(name)) {
      if (in == null) {
        throw new Model2VecException("pipeline " + ModelResolver.CLASSPATH + base
            + " has no resource " + FILE);
      }
      return PipelineHead.read(in, ModelResolver.CLASSPATH + name);
    } catch (IOException e) {
      throw new Model2VecException("could not read " + ModelResolver.CLASSPATH + name + ": " + e, e);
    }
  }

  // ---------------------------------------------------------------- what it is

  /** The static model that encodes the texts. */
  public StaticModel model() {
    return model;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the head is multilabel: {@link #predictLabels} gives every class above the threshold. */
  public boolean isMultilabel() {
    return kind == Kind.MULTILABEL;
  }

  /** Whether the head is a projector ({@code MLPRegressor}): use {@link #project}. */
  public boolean isProjector() {
    return kind == Kind.PROJECTOR;
  }

  /** The classes, in the order of {@link #predictProba}; integer classes as decimal strings. */
  public List<String> classes() {
    return head.classes();
  }

  /** Whether the classes are integers (fitted on integer labels). */
  public boolean hasIntegerClasses() {
    return head.integerClasses();
  }

  /** The length of {@link #project}'s vectors, or the number of classes. */
  public int outputDimension() {
    return head.outputDimension();
  }

  /** The threshold of a multilabel head (default {@value #DEFAULT_THRESHOLD}). */
  public double threshold() {
    return threshold;
  }

  /**
   * This pipeline with another multilabel threshold: a class is predicted when its probability
   * is strictly above it, as in model2vec. Shares the model and head (nothing is loaded).
   */
  public StaticModelPipeline withThreshold(double threshold) {
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [0, 1], was " + threshold);
    }
    return new StaticModelPipeline(model, head, threshold, holder);
  }

  /** The head's steps and sizes, e.g. {@code StandardScaler > MLPClassifier 256-512-3 relu/softmax}. */
  public String description() {
    return head.description();
  }

  // ---------------------------------------------------------------- predicting

  /**
   * The most probable class of {@code text} ({@code null} for {@code null}). A multilabel head
   * has no single class: use {@link #predictLabels}.
   */
  public String predict(String text) {
    requireClassifier("predict");
    if (kind == Kind.MULTILABEL) {
      throw new IllegalStateException("pipeline " + head.source() + " is multilabel: use "
          + "predictLabels, which gives every class above the threshold");
    }
    return text == null ? null : top(probabilities(text));
  }

  /** {@link #predict(String)} of each text. */
  public List<String> predict(List<String> texts) {
    requireClassifier("predict");
    if (kind == Kind.MULTILABEL) {
      throw new IllegalStateException("pipeline " + head.source() + " is multilabel: use "
          + "predictLabels, which gives every class above the threshold");
    }
    float[][] p = predictProba(texts);
    List<String> out = new ArrayList<>(p.length);
    for (float[] v : p) {
      out.add(v == null ? null : top(v));
    }
    return out;
  }

  /**
   * The labels of {@code text}: every class whose probability is above the threshold for a
   * multilabel head (possibly none), the most probable class alone for a classifier.
   */
  public List<String> predictLabels(String text) {
    requireClassifier("predictLabels");
    return text == null ? null : labels(probabilities(text));
  }

  /** {@link #predictLabels(String)} of each text. */
  public List<List<String>> predictLabels(List<String> texts) {
    requireClassifier("predictLabels");
    float[][] p = predictProba(texts);
    List<List<String>> out = new ArrayList<>(p.length);
    for (float[] v : p) {
      out.add(v == null ? null : labels(v));
    }
    return out;
  }

  /** The probability of each class (in the order of {@link #classes()}) for {@code text}. */
  public float[] predictProba(String text) {
    requireClassifier("predictProba");
    return text == null ? null : probabilities(text);
  }

  /** {@link #predictProba(String)} of each text, a row each ({@code null} for a null text). */
  public float[][] predictProba(List<String> texts) {
    requireClassifier("predictProba");
    return run(texts);
  }

  /** A projector's output vector for {@code text}. */
  public float[] project(String text) {
    requireProjector();
    return text == null ? null : head.apply(model.encode(text));
  }

  /** {@link #project(String)} of each text. */
  public float[][] project(List<String> texts) {
    requireProjector();
    return run(texts);
  }

  /** The head's output of an embedding this pipeline's model made (for engines that encode). */
  public float[] headOf(float[] embedding) {
    return embedding == null ? null : head.apply(embedding);
  }

  /**
   * The head's output (probabilities or projection) of each embedding this pipeline's model made
   * ({@code null} rows stay {@code null}): for callers that encode themselves, e.g. on several
   * threads.
   */
  public float[][] headOf(float[][] embeddings) {
    float[][] out = new float[embeddings.length][];
    float[][] chunk = new float[CHUNK][];
    int[] rows = new int[CHUNK];
    int n = 0;
    for (int i = 0; i < embeddings.length; i++) {
      if (embeddings[i] != null) {
        rows[n] = i;
        chunk[n++] = embeddings[i];
      }
      if (n == CHUNK || i == embeddings.length - 1 && n > 0) {
        float[][] res = new float[n][head.outputDimension()];
        head.apply(chunk, n, res);
        for (int j = 0; j < n; j++) {
          out[rows[j]] = res[j];
        }
        n = 0;
      }
    }
    return out;
  }

  /** The most probable class of a row of {@link #predictProba}: the first of equals, as numpy. */
  public String top(float[] proba) {
    int best = 0;
    for (int i = 1; i < proba.length; i++) {
      if (proba[i] > proba[best]) {
        best = i;
      }
    }
    return head.classes().get(best);
  }

  /** The labels of a row of {@link #predictProba}, as {@link #predictLabels(String)}. */
  public List<String> labels(float[] proba) {
    if (kind != Kind.MULTILABEL) {
      return List.of(top(proba));
    }
    List<String> out = new ArrayList<>(2);
    for (int i = 0; i < proba.length; i++) {
      if (proba[i] > threshold) {
        out.add(head.classes().get(i));
      }
    }
    return Collections.unmodifiableList(out);
  }

  private float[] probabilities(String text) {
    return head.apply(model.encode(text));
  }

  private float[][] run(List<String> texts) {
    Objects.requireNonNull(texts, "texts must not be null");
    float[][] out = new float[texts.size()][];
    List<String> chunk = new ArrayList<>(CHUNK);
    int[] rows = new int[CHUNK];
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t != null) {
        rows[chunk.size()] = i;
        chunk.add(t);
      }
      if (chunk.size() == CHUNK || i == texts.size() - 1 && !chunk.isEmpty()) {
        float[][] emb = model.encode(chunk);
        float[][] res = new float[chunk.size()][head.outputDimension()];
        head.apply(emb, chunk.size(), res);
        for (int j = 0; j < chunk.size(); j++) {
          out[rows[j]] = res[j];
        }
        chunk.clear();
      }
    }
    return out;
  }

  private void requireClassifier(String method) {
    if (kind == Kind.PROJECTOR) {
      throw new IllegalStateException("pipeline " + head.source() + " is a projector "
          + "(MLPRegressor), which has no classes: use project instead of " + method);
    }
  }

  private void requireProjector() {
    if (kind != Kind.PROJECTOR) {
      throw new IllegalStateException("pipeline " + head.source() + " is a " + kind.name()
          .toLowerCase(java.util.Locale.ROOT) + ", not a projector: use predict / predictProba");
    }
  }

  /** Closes the model of a pipeline of one's own; a shared pipeline is let go when unreachable. */
  @Override
  public void close() {
    if (holder == null) {
      model.close();
    }
  }

  @Override
  public String toString() {
    return "StaticModelPipeline{" + head.description() + ", " + model + "}";
  }
}
