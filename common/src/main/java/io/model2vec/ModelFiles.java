package io.model2vec;

import com.fasterxml.jackson.databind.JsonNode;
import io.model2vec.tokenizer.JsonTree;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The three files of a model, found in any of the layouts of the SPEC and read into memory:
 * tensors, tokenizer and (optional) config. Knows nothing of what they mean.
 */
final class ModelFiles {
  final String description;
  final ByteBuffer tensors;
  final String tensorsName;
  final String tokenizerJson;
  final String tokenizerName;
  /** {@code config.json} or {@code config_sentence_transformers.json}; empty object if absent. */
  final JsonNode config;
  /** Whether a {@code modules.json} beside the config lists a Normalize module. */
  final boolean normalizeModule;
  /** When reading the files began and ended (System.nanoTime), for the load log's breakdown. */
  final long startedAt;
  final long readAt = System.nanoTime();

  private ModelFiles(long startedAt, String description, ByteBuffer tensors, String tensorsName,
      String tokenizerJson, String tokenizerName, JsonNode config, boolean normalizeModule) {
    this.startedAt = startedAt;
    this.description = description;
    this.tensors = tensors;
    this.tensorsName = tensorsName;
    this.tokenizerJson = tokenizerJson;
    this.tokenizerName = tokenizerName;
    this.config = config;
    this.normalizeModule = normalizeModule;
  }

  /** Finds the model in {@code folder} (or its {@code subfolder}) in the SPEC's layout order. */
  static ModelFiles fromFolder(Path folder, String subfolder) {
    long start = System.nanoTime();
    Path dir = subfolder == null ? folder : folder.resolve(subfolder);
    if (!Files.isDirectory(dir)) {
      throw new Model2VecException("model folder " + dir
          + (Files.exists(dir) ? " is not a directory" : " does not exist"));
    }
    Path configDir;
    Path config;
    Path weightsDir;
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      config = dir.resolve("config.json");
      configDir = dir;
      weightsDir = dir;
    } else if (Files.isRegularFile(dir.resolve("config_sentence_transformers.json"))) {
      config = dir.resolve("config_sentence_transformers.json");
      configDir = dir;
      weightsDir = hasTensors(dir) || !Files.isDirectory(dir.resolve("0_StaticEmbedding"))
          ? dir : dir.resolve("0_StaticEmbedding");
    } else {
      // Tensors and tokenizer alone (e.g. 0_StaticEmbedding itself): the config may be above.
      weightsDir = dir;
      Path parent = dir.toAbsolutePath().getParent();
      config = null;
      configDir = null;
      if (parent != null) {
        for (String name : new String[] {"config.json", "config_sentence_transformers.json"}) {
          if (Files.isRegularFile(parent.resolve(name))) {
            config = parent.resolve(name);
            configDir = parent;
            break;
          }
        }
      }
    }
    Path tensors = weightsDir.resolve("model.safetensors");
    if (!Files.isRegularFile(tensors) && Files.isRegularFile(weightsDir.resolve("embeddings.safetensors"))) {
      tensors = weightsDir.resolve("embeddings.safetensors"); // older model2vec exports
    }
    Path tokenizer = weightsDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizer) && configDir != null
        && Files.isRegularFile(configDir.resolve("tokenizer.json"))) {
      tokenizer = configDir.resolve("tokenizer.json");
    }
    if (!Files.isRegularFile(tensors)) {
      throw new Model2VecException("model folder " + dir + " has no model.safetensors"
          + (weightsDir.equals(dir) ? "" : " in " + weightsDir)
          + " (looked for model.safetensors and embeddings.safetensors; layouts: model2vec, "
          + "sentence-transformers, sentence-transformers with 0_StaticEmbedding/)");
    }
    if (!Files.isRegularFile(tokenizer)) {
      throw new Model2VecException("model folder " + dir + " has no tokenizer.json beside "
          + tensors.getFileName());
    }
    JsonNode configJson = config == null ? JsonTree.emptyObject() : readJson(config);
    boolean normalizeModule = configDir != null && listsNormalize(configDir.resolve("modules.json"));
    return new ModelFiles(start, dir.toString(), map(tensors), tensors.toString(),
        readString(tokenizer), tokenizer.toString(), configJson, normalizeModule);
  }

  /** A model from streams (e.g. classpath resources); {@code config} may be {@code null}. */
  static ModelFiles fromStreams(String description, InputStream tensors, InputStream tokenizer,
      InputStream config) {
    long start = System.nanoTime();
    try {
      byte[] t = tensors.readAllBytes();
      String tok = new String(tokenizer.readAllBytes(), StandardCharsets.UTF_8);
      JsonNode cfg = config == null ? JsonTree.emptyObject()
          : parseJson(new String(config.readAllBytes(), StandardCharsets.UTF_8),
              description + "/config.json");
      return new ModelFiles(start, description, ByteBuffer.wrap(t), description + "/model.safetensors",
          tok, description + "/tokenizer.json", cfg, false);
    } catch (IOException e) {
      throw new Model2VecException("could not read model " + description + ": " + e, e);
    }
  }

  private static boolean hasTensors(Path dir) {
    return Files.isRegularFile(dir.resolve("model.safetensors"))
        || Files.isRegularFile(dir.resolve("embeddings.safetensors"));
  }

  private static boolean listsNormalize(Path modules) {
    if (!Files.isRegularFile(modules)) {
      return false;
    }
    JsonNode list = readJson(modules);
    if (!list.isArray()) {
      throw new Model2VecException(modules + " must be a JSON array of modules");
    }
    for (JsonNode m : list) {
      if (m.path("type").asText("").endsWith(".Normalize")) {
        return true;
      }
    }
    return false;
  }

  private static ByteBuffer map(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        throw new Model2VecException(file + " is " + size + " bytes; files over 2 GiB are not "
            + "supported (Model2Vec models are 8-500 MB)");
      }
      return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
    } catch (IOException e) {
      throw new Model2VecException("could not read " + file + ": " + e, e);
    }
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new Model2VecException(file + " does not exist", e);
    } catch (IOException e) {
      throw new Model2VecException("could not read " + file + " as UTF-8 text: " + e, e);
    }
  }

  private static JsonNode readJson(Path file) {
    return parseJson(readString(file), file.toString());
  }

  static JsonNode parseJson(String text, String source) {
    try {
      JsonNode node = JsonTree.parse(text);
      if (node == null || node.isMissingNode()) {
        throw new Model2VecException(source + " is empty");
      }
      return node;
    } catch (IOException e) {
      throw new Model2VecException(source + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /**
   * A cheap fingerprint of a model folder's content: each regular file's relative path, size and
   * CRC-32 of its first and last 64 KiB. Two copies of one folder agree; two models differ.
   */
  static String fingerprint(Path folder) {
    // every task or function of a JVM asks for its shipped copy once: read it once
    return FINGERPRINTS.computeIfAbsent(folder.toAbsolutePath().normalize(),
        ModelFiles::readFingerprint);
  }

  private static final java.util.concurrent.ConcurrentMap<Path, String> FINGERPRINTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static String readFingerprint(Path folder) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    try (java.util.stream.Stream<Path> files = Files.walk(folder,
        java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        long size = Files.size(f);
        crc.update((folder.relativize(f) + "|" + size).getBytes(StandardCharsets.UTF_8));
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
          int window = (int) Math.min(size, 64 << 10);
          ByteBuffer b = ByteBuffer.allocate(window);
          ch.read(b, 0);
          crc.update(b.flip());
          b.clear();
          ch.read(b, size - window);
          crc.update(b.flip());
        }
      }
    } catch (IOException e) {
      throw new Model2VecException("could not read model folder " + folder + ": " + e, e);
    }
    return Long.toHexString(crc.getValue());
  }
}
