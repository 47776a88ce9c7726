package io.model2vec.flink;

import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import java.io.File;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the TaskManagers find a model, and how to load it: what the Flink functions of this module
 * carry instead of the model itself (they are serialized into the job graph; the model is loaded
 * in {@code open()} from the JVM-wide cache of {@link StaticModel#acquire}).
 *
 * <p>Three ways to get a model to the TaskManagers:
 *
 * <ul>
 *   <li>{@link #of(String)}: a reference every TaskManager can read on its own: a folder on a
 *       shared filesystem (or the same path everywhere), a {@code classpath:} folder, a hub id
 *       (then every TaskManager downloads it into its own HuggingFace cache), or {@code null} for
 *       the built-in default model.
 *   <li>{@link #resolvedOnClient}: a hub id is downloaded once, on the client, and the
 *       TaskManagers read the snapshot folder (a shared filesystem, or a local cluster).
 *   <li>{@link #shipped}: the client resolves the model and registers its folder with Flink's
 *       distributed cache ({@code registerCachedFile}); each TaskManager gets its own copy. Use
 *       {@link #cachedFile} for a folder registered otherwise (e.g. {@code pipeline.cached-files}).
 * </ul>
 */
public final class FlinkModel implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A folder path, a {@code classpath:} folder, a hub id, or null for the default model. */
  private final String reference;
  /** The distributed-cache name of the folder, or null when the reference is read directly. */
  private final String cachedFile;
  private final LoadOptions options;

  private FlinkModel(String reference, String cachedFile, LoadOptions options) {
    this.reference = reference;
    this.cachedFile = cachedFile;
    this.options = Objects.requireNonNull(options, "options must not be null (use LoadOptions.defaults())");
  }

  /** The built-in default model ({@link StaticModel#DEFAULT_MODEL}) with default options. */
  public static FlinkModel defaultModel() {
    return of(null, LoadOptions.defaults());
  }

  /** {@code reference} as each TaskManager reads it; {@code null} means the default model. */
  public static FlinkModel of(String reference) {
    return of(reference, LoadOptions.defaults());
  }

  public static FlinkModel of(String reference, LoadOptions options) {
    if (reference != null && reference.isBlank()) {
      throw new IllegalArgumentException("model reference must be null (the default model) or a "
          + "folder, classpath: folder or hub id, was '" + reference + "'");
    }
    return new FlinkModel(reference, null, options);
  }

  /**
   * Resolves {@code reference} now, on the client: a hub id is downloaded once into the local
   * HuggingFace cache and the TaskManagers load the snapshot folder (shared filesystem or local
   * cluster). Folders become absolute paths; {@code classpath:} and {@code null} stay as they are.
   */
  public static FlinkModel resolvedOnClient(String reference, LoadOptions options) {
    Path folder = StaticModel.resolveFolder(reference, options);
    return of(folder == null ? reference : folder.toString(), options);
  }

  /**
   * Resolves {@code reference} on the client and ships its folder to every TaskManager through
   * Flink's distributed cache ({@link StreamExecutionEnvironment#registerCachedFile}). Classpath
   * models (and the default model) are on every TaskManager's classpath and are not shipped.
   */
  public static FlinkModel shipped(StreamExecutionEnvironment env, String reference,
      LoadOptions options) {
    Objects.requireNonNull(env, "env must not be null");
    Path folder = StaticModel.resolveFolder(reference, options);
    if (folder == null) {
      return of(reference, options);
    }
    // One name per folder, so that two functions shipping the same model register it once.
    String name = "model2vec-" + UUID.nameUUIDFromBytes(
        folder.toString().getBytes(StandardCharsets.UTF_8));
    boolean registered = env.getCachedFiles().stream().anyMatch(t -> t.f0.equals(name));
    if (!registered) {
      env.registerCachedFile(folder.toUri().toString(), name, false);
    }
    return new FlinkModel(folder.toString(), name, options);
  }

  /**
   * A model folder that is already registered with the distributed cache under {@code name},
   * e.g. with {@code pipeline.cached-files: name:m,path:hdfs:///models/potion}.
   */
  public static FlinkModel cachedFile(String name, LoadOptions options) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("cached file name must not be blank, was "
          + (name == null ? "null" : "'" + name + "'"));
    }
    return new FlinkModel(null, name, options);
  }

  /** The reference as given (or resolved on the client); {@code null} for the default model. */
  public String reference() {
    return reference;
  }

  /** The distributed-cache name the model folder is shipped under, or {@code null}. */
  public String cachedFileName() {
    return cachedFile;
  }

  public LoadOptions options() {
    return options;
  }

  /**
   * Takes a lease on the JVM-wide shared model: the first caller in a TaskManager loads it, the
   * other slots share it. {@code cache} maps a distributed-cache name to this TaskManager's copy.
   */
  StaticModel.ModelLease acquire(Function<String, File> cache) {
    String local = reference;
    if (cachedFile != null) {
      File copy = cache.apply(cachedFile);
      if (copy == null || !copy.exists()) {
        throw new IllegalStateException("model folder '" + cachedFile + "' is not in the "
            + "distributed cache of this TaskManager (registerCachedFile / pipeline.cached-files)");
      }
      local = copy.getAbsolutePath();
    }
    return StaticModel.acquire(local, options);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof FlinkModel)) {
      return false;
    }
    FlinkModel that = (FlinkModel) o;
    return Objects.equals(reference, that.reference) && Objects.equals(cachedFile, that.cachedFile)
        && options.equals(that.options);
  }

  @Override
  public int hashCode() {
    return Objects.hash(reference, cachedFile, options);
  }

  @Override
  public String toString() {
    String where = reference == null && cachedFile == null ? "default model"
        : reference == null ? "cached file '" + cachedFile + "'"
        : cachedFile == null ? reference : reference + " (shipped as '" + cachedFile + "')";
    return where + " " + options;
  }
}
