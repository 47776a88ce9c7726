package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hub downloads against a real HTTP server on 127.0.0.1 that speaks the hub's protocol. */
class HubClientTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String COMMIT_V1 = "fedcba9876543210fedcba9876543210fedcba98";

  @TempDir
  Path cache;

  private HubTestServer hub;
  private Map<String, String> env;

  @BeforeEach
  void start() throws Exception {
    hub = new HubTestServer();
    hub.add("minishlab/test-float32", COMMIT).folder("", Fixtures.model("test-model-float32"))
        .refs.put("v1", COMMIT_V1);
    hub.add("org/st-flat", COMMIT).folder("", Fixtures.model("test-model-sentence-transformers"));
    hub.add("org/st-nested", COMMIT)
        .file("config_sentence_transformers.json",
            Fixtures.model("test-model-sentence-transformers").resolve("config_sentence_transformers.json"))
        .folder("0_StaticEmbedding/", Fixtures.model("test-model-float32"));
    hub.add("org/sub", COMMIT).folder("models/quantized/", Fixtures.model("test-model-vocab-quantized"));
    hub.add("org/private", COMMIT).folder("", Fixtures.model("test-model-float32")).token = "s3cret";
    env = new HashMap<>();
    env.put("HF_ENDPOINT", hub.endpoint());
    env.put("HF_HUB_CACHE", cache.toString());
    env.put("HF_HOME", cache.resolve("home").toString());
  }

  @AfterEach
  void stop() {
    HubClient.environmentOverride = null;
    hub.close();
  }

  private Path snapshot(String repo, LoadOptions options) {
    return new HubClient(env).snapshot(repo, options);
  }

  @Test
  void everyRequestNamesThisBuildsVersionInItsUserAgent() {
    snapshot("minishlab/test-float32", LoadOptions.defaults());
    assertThat(hub.userAgents).isNotEmpty()
        .allMatch(ua -> ua.startsWith("model2vec-jvm/" + VersionTest.pomVersion() + "; java/"));
  }

  @Test
  void downloadsIntoPythonsCacheLayoutAndLoadsTheSameModel() throws Exception {
    HubClient.environmentOverride = env;
    try (StaticModel fromHub = StaticModel.load("minishlab/test-float32");
        StaticModel local = StaticModel.load(Fixtures.model("test-model-float32"))) {
      assertThat(fromHub.encode("hello world")).containsExactly(local.encode("hello world"));
    }
    Path repo = cache.resolve("models--minishlab--test-float32");
    assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(COMMIT);
    Path link = repo.resolve("snapshots").resolve(COMMIT).resolve("model.safetensors");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link).toString()).startsWith("../../blobs/");
    assertThat(Files.mismatch(link, Fixtures.model("test-model-float32").resolve("model.safetensors")))
        .isEqualTo(-1L);
    // the blob of an LFS file is named by the X-Linked-Etag (sha256), not the CDN's etag
    assertThat(Files.readSymbolicLink(link).getFileName().toString()).hasSize(64);
    assertThat(hub.requests).anyMatch(r -> r.startsWith("GET /cdn/"));
    try (var blobs = Files.list(repo.resolve("blobs"))) {
      assertThat(blobs.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.endsWith(".incomplete"));
    }
  }

  @Test
  void secondLoadDownloadsNothingAndACommitRevisionAsksNothing() {
    snapshot("minishlab/test-float32", LoadOptions.defaults());
    int gets = hub.gets.get();
    Path again = snapshot("minishlab/test-float32", LoadOptions.defaults());
    assertThat(hub.gets.get()).as("GETs on the second load").isEqualTo(gets);
    assertThat(again).isEqualTo(cache.resolve("models--minishlab--test-float32/snapshots/" + COMMIT));

    int requests = hub.requests.size();
    snapshot("minishlab/test-float32", LoadOptions.builder().revision(COMMIT).build());
    assertThat(hub.requests).hasSize(requests);
  }

  @Test
  void offlineModeUsesTheCacheWithoutRequestsAndFailsClearlyWhenNotCached() {
    snapshot("minishlab/test-float32", LoadOptions.defaults());
    int requests = hub.requests.size();
    env.put("HF_HUB_OFFLINE", "1");
    Path p = snapshot("minishlab/test-float32", LoadOptions.defaults());
    assertThat(p.resolve("model.safetensors")).exists();
    assertThat(hub.requests).hasSize(requests);

    assertThatThrownBy(() -> snapshot("org/st-flat", LoadOptions.defaults()))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining("org/st-flat").hasMessageContaining("HF_HUB_OFFLINE")
        .hasMessageContaining(cache.toString());
    assertThat(hub.requests).hasSize(requests);
  }

  @Test
  void unreachableHubFallsBackToTheCachedSnapshot() {
    snapshot("minishlab/test-float32", LoadOptions.defaults());
    hub.close();
    Path p = snapshot("minishlab/test-float32", LoadOptions.defaults());
    assertThat(p.resolve("tokenizer.json")).exists();
    assertThatThrownBy(() -> snapshot("org/st-flat", LoadOptions.defaults()))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("could not download");
  }

  @Test
  void revisionsByTagAndCommit() throws Exception {
    Path tag = snapshot("minishlab/test-float32", LoadOptions.builder().revision("v1").build());
    assertThat(tag.getFileName().toString()).isEqualTo(COMMIT_V1);
    assertThat(Files.readString(cache.resolve("models--minishlab--test-float32/refs/v1")))
        .isEqualTo(COMMIT_V1);
    Path sha = snapshot("minishlab/test-float32", LoadOptions.builder().revision(COMMIT).build());
    assertThat(sha.getFileName().toString()).isEqualTo(COMMIT);
    assertThatThrownBy(() -> snapshot("minishlab/test-float32",
        LoadOptions.builder().revision("nope").build()))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("revision 'nope'");
  }

  @Test
  void tokensAreSentAndFailuresSayWhatToDo() {
    assertThatThrownBy(() -> snapshot("org/private", LoadOptions.defaults()))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("401")
        .hasMessageContaining("HF_TOKEN");
    assertThatThrownBy(() -> snapshot("org/private", LoadOptions.builder().token("wrong").build()))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("failed")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong"));

    assertThat(snapshot("org/private", LoadOptions.builder().token("s3cret").build())
        .resolve("model.safetensors")).exists();
    assertThat(hub.authorizations).contains("Bearer s3cret");

    env.put("HF_TOKEN", "s3cret");
    Files.exists(snapshot("org/private", LoadOptions.defaults()));
  }

  @Test
  void tokenFileUnderHfHomeIsUsed() throws Exception {
    Files.createDirectories(cache.resolve("home"));
    Files.writeString(cache.resolve("home/token"), "s3cret\n");
    assertThat(snapshot("org/private", LoadOptions.defaults()).resolve("tokenizer.json")).exists();
  }

  @Test
  void missingRepositoryAndMissingFile() {
    assertThatThrownBy(() -> snapshot("org/missing", LoadOptions.defaults()))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining("repository 'org/missing' was not found");
    hub.add("org/no-tokenizer", COMMIT)
        .file("config.json", Fixtures.model("test-model-float32").resolve("config.json"))
        .file("model.safetensors", Fixtures.model("test-model-float32").resolve("model.safetensors"));
    assertThatThrownBy(() -> snapshot("org/no-tokenizer", LoadOptions.defaults()))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("tokenizer.json");
  }

  @Test
  void sentenceTransformersLayoutsAndSubfolders() {
    HubClient.environmentOverride = env;
    try (StaticModel ref = StaticModel.load(Fixtures.model("test-model-float32"));
        StaticModel flat = StaticModel.load("org/st-flat");
        StaticModel nested = StaticModel.load("org/st-nested");
        StaticModel q = StaticModel.load("org/sub",
            LoadOptions.builder().subfolder("models/quantized").build());
        StaticModel qLocal = StaticModel.load(Fixtures.model("test-model-vocab-quantized"))) {
      String t = "The quick brown fox";
      assertThat(flat.encode(t)).containsExactly(ref.encode(t));
      assertThat(nested.encode(t)).containsExactly(ref.encode(t));
      assertThat(q.encode(t)).containsExactly(qLocal.encode(t));
    }
  }

  @Test
  void concurrentDownloadsFetchEachFileOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Path>> all = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        all.add(pool.submit(() -> snapshot("minishlab/test-float32", LoadOptions.defaults())));
      }
      for (Future<Path> f : all) {
        assertThat(f.get().resolve("model.safetensors")).exists();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(hub.requests.stream().filter(r -> r.startsWith("GET")).count())
        .as("one GET per file: config, tensors (CDN), tokenizer, modules").isEqualTo(4);
  }

  /**
   * Threads that link the same snapshot entry at once all succeed: one makes the link, the others
   * find it whole, never "not a file" from seeing it appear between two checks.
   */
  @Test
  void threadsLinkingOneSnapshotEntryAtOnceAllSucceed(@TempDir Path cache) throws Exception {
    HubCache repo = new HubCache(cache, "minishlab/race");
    Path blob = repo.repoDir().resolve("blobs").resolve("b0");
    Files.createDirectories(blob.getParent());
    Files.writeString(blob, "tensor bytes");
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 300; round++) {
        Path link = repo.snapshot("c" + round).resolve("model.safetensors");
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Object>> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          all.add(pool.submit(() -> {
            start.await();
            repo.linkSnapshot(link, blob);
            return null;
          }));
        }
        for (Future<Object> f : all) {
          f.get(); // throws what linkSnapshot threw
        }
        assertThat(link).hasContent("tensor bytes");
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
