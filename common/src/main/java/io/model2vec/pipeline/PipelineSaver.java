package io.model2vec.pipeline;

import io.model2vec.Model2VecException;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;

/**
 * Saves a model2vec {@code StaticModelPipeline} folder, what Python's
 * {@code StaticModelPipeline.save_pretrained} writes and {@code from_pretrained} reads: the
 * static model's files ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json},
 * {@code modules.json}, as the model has them) and {@code pipeline.skops} beside them. The
 * model files are copied byte for byte, so the pipeline encodes exactly as the model the head
 * was trained on.
 */
public final class PipelineSaver {
  /** The head's file, as model2vec names it. */
  public static final String SKOPS_FILE = "pipeline.skops";
  /** The files of a model2vec-layout model that a pipeline folder carries. */
  private static final List<String> MODEL_FILES =
      List.of("config.json", "model.safetensors", "tokenizer.json", "modules.json");
  /** A sentence-transformers layout keeps the table and tokenizer in this folder. */
  private static final String ST_FOLDER = "0_StaticEmbedding";

  private PipelineSaver() {}

  /**
   * Writes the files of {@code model} (a folder, {@code classpath:} folder or hub id; null for
   * the built-in model) and {@code skops} into {@code dir} (created if needed; files of the same
   * names replaced).
   */
  public static void save(String model, byte[] skops, Path dir) {
    Objects.requireNonNull(skops, "skops must not be null");
    Objects.requireNonNull(dir, "dir must not be null");
    String ref = model == null || model.isBlank() || model.equals("default")
        ? StaticModel.DEFAULT_MODEL : model;
    try {
      Files.createDirectories(dir);
      if (ref.startsWith("classpath:")) {
        copyResources(ref.substring("classpath:".length()), dir);
      } else {
        copyFolder(ModelReference.of(ref).resolveFolder(), dir);
      }
      Files.write(dir.resolve(SKOPS_FILE), skops);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the pipeline into " + dir + ": "
          + e.getMessage(), e);
    }
  }

  private static void copyResources(String base, Path dir) throws IOException {
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    if (cl == null) {
      cl = PipelineSaver.class.getClassLoader();
    }
    boolean any = false;
    for (String name : MODEL_FILES) {
      try (InputStream in = cl.getResourceAsStream(base + "/" + name)) {
        if (in != null) {
          Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
          any |= name.equals("model.safetensors");
        }
      }
    }
    if (!any) {
      throw new Model2VecException("classpath:" + base + " has no model.safetensors");
    }
  }

  private static void copyFolder(Path src, Path dir) throws IOException {
    boolean any = false;
    for (String name : MODEL_FILES) {
      Path f = src.resolve(name);
      if (Files.isRegularFile(f)) {
        Files.copy(f, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        any |= name.equals("model.safetensors");
      }
    }
    Path st = src.resolve(ST_FOLDER);
    if (Files.isDirectory(st)) {
      Files.createDirectories(dir.resolve(ST_FOLDER));
      for (String name : MODEL_FILES) {
        Path f = st.resolve(name);
        if (Files.isRegularFile(f)) {
          Files.copy(f, dir.resolve(ST_FOLDER).resolve(name),
              StandardCopyOption.REPLACE_EXISTING);
          any |= name.equals("model.safetensors");
        }
      }
    }
    if (!any) {
      throw new Model2VecException("model folder " + src + " has no model.safetensors");
    }
  }
}
