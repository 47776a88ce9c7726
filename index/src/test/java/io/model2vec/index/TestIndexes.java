package io.model2vec.index;

import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds local indexes for tests (reused by the engine and CLI modules through the test-jar). */
public final class TestIndexes {
  private TestIndexes() {}

  /**
   * An index in {@code out} of {@code texts} (id = the position as a string, stored column
   * {@code n} = the position too) embedded with {@code model}, rows dealt round-robin to
   * {@code shards} shards.
   */
  public static Path build(Path out, ModelReference model, List<String> texts, int shards,
      Quantization quantization) throws Exception {
    Files.createDirectories(out);
    StaticModel m = model.shared();
    IndexShardWriter[] writers = new IndexShardWriter[shards];
    for (int s = 0; s < shards; s++) {
      writers[s] = IndexShardWriter.create(out.resolve(IndexManifest.shardName(s)), m.dimension(),
          quantization, List.of("n"));
    }
    for (int i = 0; i < texts.size(); i++) {
      writers[i % shards].add(Integer.toString(i), texts.get(i), m.encode(texts.get(i)),
          new String[] {Integer.toString(i)});
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    for (int s = 0; s < shards; s++) {
      counts.put(IndexManifest.shardName(s), writers[s].commit());
    }
    new IndexManifest(model, m.dimension(), m.normalizes(), quantization, List.of("n"), counts)
        .withModelCheck(m.encode(IndexManifest.MODEL_CHECK_TEXT)).writeTo(out);
    return out;
  }

  /**
   * An IVF index (format 2) in {@code out} of {@code texts} (id and stored column {@code n}: the
   * position), centroids trained on all rows, rows dealt round-robin to {@code writers} writers
   * (as Spark tasks write them: one file per writer and list).
   */
  public static Path buildIvf(Path out, ModelReference model, List<String> texts, int lists,
      int writers) throws Exception {
    Files.createDirectories(out);
    StaticModel m = model.shared();
    float[][] vectors = new float[texts.size()][];
    for (int i = 0; i < texts.size(); i++) {
      vectors[i] = Vectors.normalized(m.encode(texts.get(i)));
    }
    float[] centroids = KMeans.train(vectors, lists, KMeans.ITERATIONS, 42);
    long crc = IvfWriter.writeCentroids(out, centroids);
    IvfWriter[] w = new IvfWriter[writers];
    for (int i = 0; i < writers; i++) {
      w[i] = IvfWriter.create(out, centroids, m.dimension(), List.of("n"), true,
          "part-" + i + ".parquet");
    }
    for (int i = 0; i < texts.size(); i++) {
      w[i % writers].add(Integer.toString(i), texts.get(i), vectors[i],
          new String[] {Integer.toString(i)});
    }
    List<IvfLayout.ListFile> files = new java.util.ArrayList<>();
    for (IvfWriter x : w) {
      files.addAll(x.commit());
    }
    new IndexManifest(model, m.dimension(), m.normalizes(), Quantization.INT8, List.of("n"),
        Map.of()).withModelCheck(m.encode(IndexManifest.MODEL_CHECK_TEXT))
        .withIvf(new IvfLayout(lists, IvfLayout.defaultNprobe(lists), crc, 1, texts.size(), files))
        .writeTo(out);
    return out;
  }

  /** Bytes of the files of {@code folder} (recursively) whose name ends with {@code suffix}. */
  public static long bytes(Path folder, String suffix) throws Exception {
    try (var files = Files.walk(folder)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix))
          .mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
