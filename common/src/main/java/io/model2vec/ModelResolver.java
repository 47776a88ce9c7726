package io.model2vec;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Pattern;

/** Turns a model reference (folder, {@code file:} URI, {@code classpath:} folder, hub id) into a model. */
final class ModelResolver {
  static final String CLASSPATH = "classpath:";
  private static final Pattern HUB_ID =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");

  private ModelResolver() {}

  static StaticModel load(String model, LoadOptions options) {
    if (options == null) {
      throw new NullPointerException("options must not be null (use LoadOptions.defaults())");
    }
    if (model == null) {
      return loadDefault(options);
    }
    if (model.isBlank()) {
      throw new IllegalArgumentException("model must be a folder, a file: URI, a classpath: folder "
          + "or a HuggingFace repo id, was '" + model + "'");
    }
    if (model.startsWith(CLASSPATH)) {
      return loadClasspath(model.substring(CLASSPATH.length()), options);
    }
    Path local = localPath(model);
    if (local != null) {
      return StaticModel.load(local, options);
    }
    if (isHubId(model)) {
      return StaticModel.load(HubClient.fromEnvironment().snapshot(model, options), options);
    }
    throw new Model2VecException("model '" + model + "' is neither an existing folder nor a "
        + "HuggingFace repo id (like minishlab/potion-base-8M)");
  }

  /**
   * The local folder of {@code model}: the folder itself, or the hub snapshot (downloaded into the
   * cache if needed). {@code null} for {@code classpath:} models, which every JVM finds itself.
   */
  static Path resolveFolder(String model, LoadOptions options) {
    if (model == null || model.isBlank() || model.startsWith(CLASSPATH)) {
      return null;
    }
    Path local = localPath(model);
    if (local != null) {
      return local.toAbsolutePath().normalize();
    }
    if (isHubId(model)) {
      return HubClient.fromEnvironment().snapshot(model, options);
    }
    throw new Model2VecException("model '" + model + "' is neither an existing folder nor a "
        + "HuggingFace repo id (like minishlab/potion-base-8M)");
  }

  /** The key under which the process-wide cache shares a model: absolute paths for folders. */
  static String canonical(String model) {
    if (model == null) {
      return StaticModel.DEFAULT_MODEL;
    }
    Path local = localPath(model);
    return local != null ? local.toAbsolutePath().normalize().toString() : model;
  }

  static boolean isHubId(String model) {
    return HUB_ID.matcher(model).matches() && !model.contains("--") && !model.contains("..");
  }

  /** The folder {@code model} names, or null if it names no existing file or folder. */
  static Path localPath(String model) {
    try {
      Path p = model.startsWith("file:") ? Paths.get(URI.create(model)) : Paths.get(model);
      return Files.exists(p) ? p : null;
    } catch (IllegalArgumentException e) { // includes InvalidPathException
      return null;
    }
  }

  /**
   * The built-in default model, a {@code classpath:} folder in the artifact
   * {@code io.model2vec:model2vec-default-model}; a clear error when that jar is not there.
   */
  private static StaticModel loadDefault(LoadOptions options) {
    String folder = StaticModel.DEFAULT_MODEL.substring(CLASSPATH.length());
    ClassLoader cl = classLoader();
    if (cl.getResource(folder + "/model.safetensors") == null) {
      throw new Model2VecException("no model was given and the built-in default model ("
          + StaticModel.DEFAULT_MODEL + ", artifact io.model2vec:model2vec-default-model) is not "
          + "on the classpath: add that artifact or name a model (folder or hub id)");
    }
    return loadClasspath(folder, options);
  }

  private static ClassLoader classLoader() {
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    return cl != null ? cl : ModelResolver.class.getClassLoader();
  }

  private static StaticModel loadClasspath(String folder, LoadOptions options) {
    String base = folder.replaceAll("^/+", "").replaceAll("/+$", "");
    if (options.subfolder() != null) {
      base = base + "/" + options.subfolder();
    }
    ClassLoader cl = classLoader();
    String where = CLASSPATH + base;
    try (InputStream tensors = open(cl, base, "model.safetensors", where, true);
        InputStream tokenizer = open(cl, base, "tokenizer.json", where, true);
        InputStream config = open(cl, base, "config.json", where, false)) {
      return StaticModel.load(ModelFiles.fromStreams(where, tensors, tokenizer, config), options);
    } catch (IOException e) {
      throw new Model2VecException("could not read model " + where + ": " + e, e);
    }
  }

  private static InputStream open(ClassLoader cl, String base, String name, String where,
      boolean required) {
    InputStream in = cl.getResourceAsStream(base.isEmpty() ? name : base + "/" + name);
    if (in == null && required) {
      throw new Model2VecException("model " + where + " has no resource " + name);
    }
    return in;
  }
}
