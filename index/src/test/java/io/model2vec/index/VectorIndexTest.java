package io.model2vec.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Indexes of real texts (the fortunes corpus) embedded with the built-in model (384 dims): HNSW
 * search against exact search, shards, quantization, and bad folders.
 */
class VectorIndexTest {
  private static final int ROWS = 12_000;
  private static final int QUERIES = 200;
  private static List<String> texts;
  private static List<String> queries;
  private static final ModelReference MODEL = ModelReference.defaultModel();

  @TempDir
  static Path shared;
  @TempDir
  Path tmp;

  private static Path oneShard;
  private static Path fourShards;

  @BeforeAll
  static void build() throws Exception {
    List<String> all = Fixtures.fortuneTexts(ROWS + QUERIES);
    texts = all.subList(0, ROWS);
    queries = all.subList(ROWS, ROWS + QUERIES); // held out: not in the index
    oneShard = TestIndexes.build(shared.resolve("one"), MODEL, texts, 1, Quantization.NONE);
    fourShards = TestIndexes.build(shared.resolve("four"), MODEL, texts, 4, Quantization.NONE);
  }

  @Test
  void everyRowIsFoundByItsOwnText() {
    try (VectorIndex index = VectorIndex.open(fourShards)) {
      assertThat(index.size()).isEqualTo(ROWS);
      assertThat(index.manifest().shards()).hasSize(4);
      int sampled = 0;
      int foundByGraph = 0;
      for (int i = 0; i < ROWS; i += 97) {
        List<VectorIndex.Hit> hits = index.exactSearch(texts.get(i), 3);
        assertThat(hits).hasSize(3);
        // the row itself, or an identical text (the corpus repeats some fortunes)
        VectorIndex.Hit top = hits.get(0);
        assertThat(texts.get(Integer.parseInt(top.id()))).as("row %d", i).isEqualTo(texts.get(i));
        assertThat(top.score()).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(top.text()).isEqualTo(texts.get(i));
        assertThat(top.fields()).containsEntry("n", top.id());
        assertThat(top.score()).isGreaterThanOrEqualTo(hits.get(1).score());
        sampled++;
        // the graph is approximate: an isolated row (far from all others) can be missed
        if (texts.get(Integer.parseInt(index.search(texts.get(i), 1).get(0).id()))
            .equals(texts.get(i))) {
          foundByGraph++;
        }
      }
      assertThat((double) foundByGraph / sampled).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void searchByTextUsesTheIndexModel() {
    StaticModel model = MODEL.shared();
    try (VectorIndex index = VectorIndex.open(oneShard)) {
      String q = queries.get(0);
      assertThat(ids(index.search(q, 10))).isEqualTo(ids(index.search(model.encode(q), 10)));
      // scores are cosines: the same as the dot product of the normalized vectors
      float[] qv = Vectors.normalized(model.encode(q));
      VectorIndex.Hit top = index.exactSearch(q, 1).get(0);
      float[] rv = Vectors.normalized(model.encode(top.text()));
      float dot = 0;
      for (int i = 0; i < qv.length; i++) {
        dot += qv[i] * rv[i];
      }
      assertThat(top.score()).isCloseTo(dot, org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void hnswRecallAt10AgainstExactIsAtLeast95Percent() {
    try (VectorIndex index = VectorIndex.open(oneShard)) {
      assertThat(recallAt10(index)).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void oneShardAndFourShardsGiveTheSameResults() {
    try (VectorIndex one = VectorIndex.open(oneShard);
        VectorIndex four = VectorIndex.open(fourShards)) {
      double overlap = 0;
      for (String q : queries) {
        // exact search: identical rows and scores whatever the sharding
        List<VectorIndex.Hit> e1 = one.exactSearch(q, 10);
        List<VectorIndex.Hit> e4 = four.exactSearch(q, 10);
        assertThat(scores(e4)).containsExactly(scores(e1));
        // the same rows, except among rows tied with the 10th (the corpus repeats some texts:
        // which of two equal rows makes the cut depends on the merge order of the shards)
        assertThat(idsAbove(e4, e4.get(9).score())).isEqualTo(idsAbove(e1, e1.get(9).score()));
        // HNSW: each graph is approximate, so the same up to its misses
        Set<String> h1 = new HashSet<>(ids(one.search(q, 10)));
        h1.retainAll(ids(four.search(q, 10)));
        overlap += h1.size() / 10.0;
      }
      assertThat(overlap / queries.size()).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void int8IndexHasAQuarterOfTheSearchedVectorBytesAndKeepsRecall() throws Exception {
    Path q8 = TestIndexes.build(tmp.resolve("int8"), MODEL, texts, 1, Quantization.INT8);
    long floats = TestIndexes.bytes(oneShard, ".vec");
    long bytes = TestIndexes.bytes(q8, ".veq");
    assertThat(bytes).isGreaterThan(0);
    // one byte per dimension (+ a float correction per vector) instead of four
    assertThat((double) bytes / floats).isBetween(0.24, 0.28);
    try (VectorIndex index = VectorIndex.open(q8)) {
      assertThat(index.manifest().quantization()).isEqualTo(Quantization.INT8);
      assertThat(recallAt10(index)).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void missingManifestNamesTheFile() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> VectorIndex.open(dir)).isInstanceOf(IndexException.class)
        .hasMessage(dir.resolve("manifest.json") + ": missing: not an index folder, or its build "
            + "did not finish");
    Path none = tmp.resolve("nope");
    assertThatThrownBy(() -> VectorIndex.open(none)).hasMessageStartingWith(
        none.resolve("manifest.json") + ": missing: no such folder");
  }

  @Test
  void badManifestNamesTheFileAndKey() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("bad"));
    Path file = dir.resolve("manifest.json");
    Files.writeString(file, "{\"format\": 1, \"model\": {}, \"dimensions\": 0}");
    assertThatThrownBy(() -> VectorIndex.open(dir))
        .hasMessage(file + ": key 'dimensions' must be an integer >= 1, was 0");
    Files.writeString(file, "{not json");
    assertThatThrownBy(() -> VectorIndex.open(dir)).hasMessageStartingWith(file + ": not valid JSON");
    Files.writeString(file, "{\"format\": 9}");
    assertThatThrownBy(() -> VectorIndex.open(dir))
        .hasMessage(file + ": format 9 is not supported (this version reads formats 1 and 2)");
    assertThat(VectorIndexTest.class.getName()).isNotEmpty();
  }

  @Test
  void missingOrMismatchedShardNamesTheShard() throws Exception {
    Path copy = tmp.resolve("copy");
    TestIndexes.build(copy, MODEL, texts.subList(0, 50), 2, Quantization.NONE);
    Path manifest = copy.resolve("manifest.json");
    String json = Files.readString(manifest);
    Files.writeString(manifest, json.replace("\"rows\" : 25", "\"rows\" : 26"));
    assertThatThrownBy(() -> VectorIndex.open(copy)).isInstanceOf(IndexException.class)
        .hasMessage(copy.resolve("shard-00000") + ": holds 25 rows, the manifest says 26");
    Files.writeString(manifest, json.replace("shard-00001", "shard-00007"));
    assertThatThrownBy(() -> VectorIndex.open(copy))
        .hasMessage(copy.resolve("shard-00007") + ": shard folder missing (listed in the manifest)");
    Files.writeString(manifest, json);
    Files.write(copy.resolve("shard-00001").resolve("segments_1"), "x".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> VectorIndex.open(copy))
        .hasMessageStartingWith(copy.resolve("shard-00001").resolve("segments_1") + ": corrupt (");
  }

  @Test
  void shardNamesArePlainFolderNamesInsideTheIndex() throws Exception {
    Path copy = tmp.resolve("names");
    TestIndexes.build(copy, MODEL, texts.subList(0, 20), 1, Quantization.NONE);
    Path manifest = copy.resolve("manifest.json");
    String json = Files.readString(manifest);
    for (String bad : new String[] {"..", ".", "../other", "/etc", "a/b", ".hidden"}) {
      Files.writeString(manifest, json.replace("\"shard-00000\"", "\"" + bad + "\""));
      assertThatThrownBy(() -> VectorIndex.open(copy)).isInstanceOf(IndexException.class)
          .hasMessageContaining("key 'shards' has a bad entry")
          .hasMessageContaining("needs a plain folder name inside the index");
    }
  }

  @Test
  void aFlippedByteAnywhereIsRefusedWhenTheIndexOpens() throws Exception {
    Path copy = tmp.resolve("flipped");
    TestIndexes.build(copy, MODEL, texts.subList(0, 100), 1, Quantization.NONE);
    List<Path> files;
    try (var s = Files.list(copy.resolve("shard-00000"))) {
      files = s.filter(p -> !p.getFileName().toString().equals("write.lock")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      byte[] original = Files.readAllBytes(f);
      byte[] flipped = original.clone();
      flipped[flipped.length / 2] ^= 0x10; // a byte in the middle: a vector, a stored text, ...
      Files.write(f, flipped);
      assertThatThrownBy(() -> VectorIndex.open(copy).close())
          .as("flipped byte in %s", f.getFileName())
          .isInstanceOf(IndexException.class)
          .hasMessageStartingWith(copy.resolve("shard-00000").toString());
      Files.write(f, original);
    }
    try (VectorIndex index = VectorIndex.open(copy)) {
      assertThat(index.search(texts.get(3), 1).get(0).score()).isGreaterThan(0.9999f);
    }
  }

  @Test
  void aManifestWhoseModelWasEditedIsRefused() throws Exception {
    Path copy = tmp.resolve("edited");
    TestIndexes.build(copy, MODEL, texts.subList(0, 20), 1, Quantization.NONE);
    Path manifest = copy.resolve("manifest.json");
    String json = Files.readString(manifest);
    assertThat(json).contains("\"modelCheck\"");
    // the model's normalization switched off: same model and dimensions, other vectors
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(json);
    ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("model")).put("normalize", "false");
    Files.writeString(manifest, mapper.writeValueAsString(root));
    try (VectorIndex index = VectorIndex.open(copy)) {
      assertThatThrownBy(() -> index.search("a query", 3)).isInstanceOf(IndexException.class)
          .hasMessageContaining("no longer gives the vectors this index was built with");
    }
    // an index of an earlier release, without the check, still opens and searches
    root = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(json);
    root.remove("modelCheck");
    Files.writeString(manifest, mapper.writeValueAsString(root));
    assertThat(Files.readString(manifest)).doesNotContain("modelCheck");
    try (VectorIndex index = VectorIndex.open(copy)) {
      assertThat(index.search(texts.get(2), 1)).hasSize(1);
    }
  }

  @Test
  void kIsClampedToTheRowsThatExist() {
    try (VectorIndex index = VectorIndex.open(oneShard)) {
      long rows = index.size();
      assertThat(index.search(texts.get(0), Integer.MAX_VALUE)).hasSize((int) rows);
      assertThat(index.search(texts.get(0), 1_000_000_000)).hasSize((int) rows);
      assertThat(index.exactSearch(texts.get(0), Integer.MAX_VALUE)).hasSize((int) rows);
    }
  }

  @Test
  void queryOfTheWrongDimensionIsRefused() {
    try (VectorIndex index = VectorIndex.open(oneShard)) {
      assertThatThrownBy(() -> index.search(new float[8], 10)).isInstanceOf(IndexException.class)
          .hasMessage("query vector has 8 dimensions, the index " + oneShard + " has 384");
      assertThatThrownBy(() -> index.search(new float[384], 0))
          .hasMessage("k must be >= 1, was 0");
    }
  }

  @Test
  void shardWriterRefusesWrongDimensionsAndNullIds() throws Exception {
    try (IndexShardWriter w = IndexShardWriter.create(tmp.resolve("w"), 4, Quantization.NONE,
        List.of())) {
      assertThatThrownBy(() -> w.add("a", "t", new float[3], new String[0]))
          .hasMessage("row 1 (id a) of shard " + tmp.resolve("w") + ": vector has 3 dimensions, "
              + "the index has 4");
      assertThatThrownBy(() -> w.add(null, "t", new float[4], new String[0]))
          .hasMessage("row 1 of shard " + tmp.resolve("w") + ": the id is null");
    }
  }

  private static double recallAt10(VectorIndex index) {
    double found = 0;
    for (String q : queries) {
      Set<String> exact = new HashSet<>(ids(index.exactSearch(q, 10)));
      List<VectorIndex.Hit> approx = index.search(q, 10);
      for (VectorIndex.Hit h : approx) {
        if (exact.contains(h.id())) {
          found++;
        }
      }
    }
    return found / (10.0 * queries.size());
  }

  private static List<String> ids(List<VectorIndex.Hit> hits) {
    List<String> out = new ArrayList<>();
    hits.forEach(h -> out.add(h.id()));
    return out;
  }

  private static Float[] scores(List<VectorIndex.Hit> hits) {
    return hits.stream().map(VectorIndex.Hit::score).toArray(Float[]::new);
  }

  private static Set<String> idsAbove(List<VectorIndex.Hit> hits, float score) {
    Set<String> ids = new HashSet<>();
    for (VectorIndex.Hit h : hits) {
      if (h.score() > score) {
        ids.add(h.id());
      }
    }
    return ids;
  }
}
