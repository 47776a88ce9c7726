package io.model2vec;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Which model, with which options, and under which name an engine shipped its folder: what Spark
 * tasks and Flink functions carry instead of the model itself (it is serialized with them).
 *
 * <p>The life of a reference in an engine:
 *
 * <ol>
 *   <li>On the driver or client, {@link #resolveFolder()} turns it into a local folder (a hub id
 *       is downloaded once into the HuggingFace cache), which the engine ships to its workers in
 *       its own way and records with {@link #shippedAs}.
 *   <li>In each worker JVM, {@link #shared(Function)} returns the one model instance of that JVM
 *       for this reference: the first caller loads it, every other task and thread gets the same
 *       object, and it is kept while anyone holds it and for a short keep-alive after
 *       ({@code model2vec.cache.idle-seconds}, default 300), so back-to-back tasks do not reload.
 * </ol>
 *
 * <p>A reference is a folder path, a {@code file:} URI, a {@code classpath:} folder, a
 * HuggingFace hub id, or {@code null} for the built-in default model
 * ({@link StaticModel#DEFAULT_MODEL}).
 */
public final class ModelReference implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Option key of the reference itself, beside the {@link LoadOptions#KEYS}. */
  public static final String MODEL = "model";

  private static final ModelReference DEFAULT = new ModelReference(null, LoadOptions.defaults(), null);

  private final String reference;
  private final LoadOptions options;
  private final String shippedAs;

  private ModelReference(String reference, LoadOptions options, String shippedAs) {
    this.reference = reference;
    this.options = Objects.requireNonNull(options,
        "options must not be null (use LoadOptions.defaults())");
    this.shippedAs = shippedAs;
  }

  /** The built-in default model with default options. */
  public static ModelReference defaultModel() {
    return DEFAULT;
  }

  /** {@code reference} with default options; {@code null} is the built-in default model. */
  public static ModelReference of(String reference) {
    return of(reference, LoadOptions.defaults());
  }

  public static ModelReference of(String reference, LoadOptions options) {
    if (reference != null && reference.isBlank()) {
      throw new IllegalArgumentException("model reference must be null (the default "
          + "model) or a folder, file: URI, classpath: folder or hub id, was '" + reference + "'");
    }
    return new ModelReference(reference, options, null);
  }

  /**
   * The reference named by string options: {@code prefix + "model"} (unset: the default model)
   * and the {@link LoadOptions#parse load options} under the same prefix.
   */
  public static ModelReference parse(String prefix, Function<String, String> lookup) {
    String model = lookup.apply(prefix + MODEL);
    return of(model == null || model.isBlank() ? null : model.trim(),
        LoadOptions.parse(prefix, lookup));
  }

  /** The reference as given; {@code null} for the built-in default model. */
  public String reference() {
    return reference;
  }

  public LoadOptions options() {
    return options;
  }

  /** The name under which an engine shipped the model folder, or {@code null}. */
  public String shippedAs() {
    return shippedAs;
  }

  /**
   * The local folder of this model, resolved now: the folder itself, or the hub snapshot
   * (downloaded into the HuggingFace cache if needed). {@code null} for {@code classpath:}
   * models and the default model, which every JVM finds on its own classpath. Engines call this
   * once, on the driver or client.
   */
  public Path resolveFolder() {
    return ModelResolver.resolveFolder(reference, options);
  }

  /**
   * This reference with its folder resolved now (a hub id downloaded on this machine): workers
   * then read the folder (a shared file system, or a local cluster) instead of each downloading.
   */
  public ModelReference resolvedHere() {
    Path folder = resolveFolder();
    return folder == null ? this : new ModelReference(folder.toString(), options, shippedAs);
  }

  /** This reference, whose folder an engine ships to its workers under {@code name}. */
  public ModelReference shippedAs(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("shipped name must not be blank, was "
          + (name == null ? "null" : "'" + name + "'"));
    }
    return new ModelReference(reference, options, name);
  }

  /**
   * The model of this JVM for this reference, loaded on first use (exactly once however many
   * threads ask at the same time) and shared by every holder. {@code shippedFolders} maps the
   * {@link #shippedAs} name to this JVM's copy of the folder (Spark's SparkFiles, Flink's
   * distributed cache); it is not called for references that were not shipped.
   *
   * <p>Hold the returned model for as long as you use it (a field of the task or function) and
   * drop it when done; {@link StaticModel#close()} on a shared model does nothing.
   */
  public StaticModel shared(Function<String, Path> shippedFolders) {
    if (shippedAs == null) {
      return SharedModels.get(reference, options);
    }
    Path copy = shippedFolders.apply(shippedAs);
    if (copy == null) {
      throw new Model2VecException("model " + this + " was shipped as '" + shippedAs
          + "', but this JVM has no copy of it");
    }
    // One model per shipped name and content: an engine may hand out several local paths of one
    // copy (so not the path), and two jobs may ship different folders under one name.
    return SharedModels.get("shipped:" + shippedAs + "#" + ModelFiles.fingerprint(copy),
        copy.toAbsolutePath().toString(), options);
  }

  /** {@link #shared(Function)} of a reference that was not shipped. */
  public StaticModel shared() {
    return shared(name -> {
      throw new Model2VecException("model " + this + " was shipped as '" + name
          + "'; pass where this JVM's copy is");
    });
  }

  /** The reference and its options as strings, as {@link #parse} reads them (no token). */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    if (reference != null) {
      m.put(MODEL, reference);
    }
    m.putAll(options.toMap());
    return m;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ModelReference)) {
      return false;
    }
    ModelReference that = (ModelReference) o;
    return Objects.equals(reference, that.reference) && Objects.equals(shippedAs, that.shippedAs)
        && options.equals(that.options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reference, shippedAs, options);
  }

  @Override
  public String toString() {
    String where = reference == null && shippedAs != null ? "a folder shipped as '" + shippedAs + "'"
        : reference == null ? "default model"
        : shippedAs == null ? reference : reference + " (shipped as '" + shippedAs + "')";
    return where + " " + options;
  }
}
