package io.model2vec.flink;

import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import io.model2vec.StaticModelPipeline;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * How Flink gets a model to its TaskManagers, and where a TaskManager finds its copy: the only
 * Flink-specific part of model handling. The functions of this module carry a
 * {@link ModelReference} (serialized into the job graph) and take the TaskManager's shared model
 * in {@code open()}.
 *
 * <p>Three ways to get a model to the TaskManagers:
 *
 * <ul>
 *   <li>{@code ModelReference.of(reference)}: a reference every TaskManager reads on its own: a
 *       folder on a shared filesystem (or the same path everywhere), a {@code classpath:} folder,
 *       a hub id (then every TaskManager downloads it into its own HuggingFace cache), or
 *       {@code null} for the built-in default model.
 *   <li>{@code ModelReference.of(hubId).resolvedHere()}: the hub id is downloaded once, on the
 *       client, and the TaskManagers read the snapshot folder (a shared filesystem, or a local
 *       cluster).
 *   <li>{@link #ship}: the client resolves the model and registers its folder with Flink's
 *       distributed cache ({@code registerCachedFile}); each TaskManager gets its own copy. Use
 *       {@link #cachedFile} for a folder registered otherwise (e.g. {@code pipeline.cached-files}).
 * </ul>
 */
public final class Model2VecFlink {
  private Model2VecFlink() {}

  /**
   * Resolves {@code reference} on the client and ships its folder to every TaskManager through
   * Flink's distributed cache ({@link StreamExecutionEnvironment#registerCachedFile}). Classpath
   * models (and the default model) are on every TaskManager's classpath and are not shipped.
   */
  public static ModelReference ship(StreamExecutionEnvironment env, ModelReference reference) {
    Objects.requireNonNull(env, "env must not be null");
    Path folder = reference.resolveFolder();
    if (folder == null) {
      return reference;
    }
    // One name per folder, so that two functions shipping the same model register it once.
    String name = "model2vec-" + UUID.nameUUIDFromBytes(
        folder.toString().getBytes(StandardCharsets.UTF_8));
    boolean registered = env.getCachedFiles().stream().anyMatch(t -> t.f0.equals(name));
    if (!registered) {
      env.registerCachedFile(folder.toUri().toString(), name, false);
    }
    return ModelReference.of(folder.toString(), reference.options()).shippedAs(name);
  }

  /**
   * A model folder that is already registered with the distributed cache under {@code name},
   * e.g. with {@code pipeline.cached-files: name:m,path:hdfs:///models/potion}.
   */
  public static ModelReference cachedFile(String name, LoadOptions options) {
    return ModelReference.of(null, options).shippedAs(name);
  }

  /**
   * Resolves a classifier pipeline (a model folder with its {@code pipeline.skops}: folder,
   * {@code classpath:} folder or hub id, whose snapshot then gets pipeline.skops too) on the
   * client and ships its folder as {@link #ship} ships models.
   */
  public static ModelReference shipPipeline(StreamExecutionEnvironment env,
      ModelReference pipeline) {
    Objects.requireNonNull(env, "env must not be null");
    ModelReference resolved = resolvePipeline(pipeline);
    return resolved.reference() == null || resolved.reference().startsWith("classpath:")
        ? resolved : ship(env, resolved);
  }

  /**
   * A pipeline reference with its folder resolved now (a hub id downloaded here with its
   * pipeline.skops), so that TaskManagers read the folder instead of each downloading it.
   */
  public static ModelReference resolvePipeline(ModelReference pipeline) {
    if (pipeline.shippedAs() != null) {
      return pipeline;
    }
    Path folder = StaticModelPipeline.resolveFolder(pipeline.reference(), pipeline.options());
    return folder == null ? pipeline : ModelReference.of(folder.toString(), pipeline.options());
  }

  /** The TaskManager's shared pipeline for {@code reference} (cache as for {@link #model}). */
  static StaticModelPipeline pipeline(ModelReference reference, Function<String, File> cache) {
    return StaticModelPipeline.shared(reference, name -> {
      File copy = cache.apply(name);
      if (copy == null || !copy.exists()) {
        throw new IllegalStateException("pipeline folder '" + name + "' is not in the "
            + "distributed cache of this TaskManager (registerCachedFile / pipeline.cached-files)");
      }
      return copy.toPath();
    });
  }

  /**
   * The TaskManager's shared model for {@code reference}: the first slot loads it, the others
   * share it. {@code cache} maps a distributed-cache name to this TaskManager's copy.
   */
  static StaticModel model(ModelReference reference, Function<String, File> cache) {
    return reference.shared(name -> {
      File copy = cache.apply(name);
      if (copy == null || !copy.exists()) {
        throw new IllegalStateException("model folder '" + name + "' is not in the distributed "
            + "cache of this TaskManager (registerCachedFile / pipeline.cached-files)");
      }
      return copy.toPath();
    });
  }
}
