package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub client against a hostile server (real HTTP on 127.0.0.1 and a second origin on
 * 127.0.0.2): tokens stay with the endpoint's origin, nothing is written outside the cache, a
 * blob is complete and verified before it exists, every wait is bounded, and every failure is a
 * one-line message that never shows a secret and falls back to a cached snapshot.
 */
class HubClientHostileTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String TOKEN = "s3cret-token";
  private static final Duration LIMIT = Duration.ofSeconds(20);

  /** The cache is two levels down, so that an escape of up to three ".." stays in this folder. */
  @TempDir
  Path root;

  private Path cache;
  private HubTestServer hub;
  private HubTestServer elsewhere;
  private HubTestServer.Repo model;
  private Map<String, String> env;
  private Path tensors;

  @BeforeEach
  void start() throws Exception {
    cache = root.resolve("a/b/hub");
    tensors = Fixtures.model("test-model-float32").resolve("model.safetensors");
    hub = new HubTestServer();
    elsewhere = new HubTestServer("127.0.0.2");
    model = hub.add("org/model", COMMIT).folder("", Fixtures.model("test-model-float32"));
    model.refs.put("refs/pr/1", COMMIT);
    hub.add("org/private", COMMIT).folder("", Fixtures.model("test-model-float32")).token = TOKEN;
    elsewhere.add("org/private", COMMIT).folder("", Fixtures.model("test-model-float32"));
    env = new HashMap<>();
    env.put("HF_ENDPOINT", hub.endpoint());
    env.put("HF_HUB_CACHE", cache.toString());
    env.put("HF_HOME", root.resolve("home").toString());
    env.put("HF_HUB_DOWNLOAD_TIMEOUT", "1");
    env.put("HF_HUB_ETAG_TIMEOUT", "1");
  }

  @AfterEach
  void stop() {
    hub.close();
    elsewhere.close();
  }

  private Path snapshot(String repo, LoadOptions options) {
    return new HubClient(env).snapshot(repo, options);
  }

  private Path snapshot(String repo) {
    return snapshot(repo, LoadOptions.defaults());
  }

  private Path repoDir(String repo) {
    return cache.resolve("models--" + repo.replace("/", "--"));
  }

  /** Every file and folder under root is the cache, inside it, or one of its parents. */
  private void assertNothingOutsideTheCache() throws Exception {
    try (Stream<Path> all = Files.walk(root)) {
      List<Path> outside = all.filter(p -> !p.startsWith(cache) && !cache.startsWith(p))
          .filter(p -> !p.startsWith(root.resolve("home")) && !p.endsWith("victim"))
          .filter(p -> !p.startsWith(root.resolve("v"))) // what planted links point to
          .collect(Collectors.toList());
      assertThat(outside).as("paths written outside the cache").isEmpty();
    }
  }

  /** Neither the tensors' blob nor a partial download of it. */
  private void assertNoTensorsBlobOrPartial() throws Exception {
    Path blob = repoDir("org/model").resolve("blobs").resolve(sha256(tensors));
    assertThat(blob).doesNotExist();
    assertThat(blob.resolveSibling(blob.getFileName() + ".incomplete")).doesNotExist();
  }

  /** A one-line message without the token. */
  private static void assertOneLineWithoutSecrets(Throwable e) {
    assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r").doesNotContain(TOKEN)
        .doesNotContain("s3cret");
  }

  // ---- 1. credentials stay with their origin ----

  @Test
  void theTokenIsNotSentToTheCdnOnAnotherOrigin() {
    env.put("HF_TOKEN", TOKEN);
    hub.lfsOn = elsewhere;
    assertThat(snapshot("org/private").resolve("model.safetensors")).exists();
    assertThat(elsewhere.requests).anyMatch(r -> r.startsWith("GET /cdn/"));
    assertThat(elsewhere.authorizations).containsOnly("");
    assertThat(hub.authorizations).contains("Bearer " + TOKEN);
  }

  @Test
  void theTokenIsNotSentWhenAGetIsRedirectedToAnotherOrigin() {
    env.put("HF_TOKEN", TOKEN);
    hub.getsOn = elsewhere;
    Path snap = snapshot("org/private");
    assertThat(snap.resolve("tokenizer.json")).exists();
    assertThat(elsewhere.requests).anyMatch(r -> r.startsWith("GET /cdn/"));
    assertThat(elsewhere.authorizations).containsOnly("");
  }

  @Test
  void aHeadRedirectToAnotherOriginGetsNoToken() {
    env.put("HF_TOKEN", TOKEN);
    // a scheme-relative Location ("//host:port/...") is another origin too
    String other = elsewhere.endpoint().substring("http:".length());
    hub.trap = (ex, method, path) -> method.equals("HEAD") && path.endsWith("/config.json")
        && HubTestServer.answer(ex, 302, "Location", other + path);
    assertThatThrownBy(() -> snapshot("org/private"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("another origin")
        .satisfies(HubClientHostileTest::assertOneLineWithoutSecrets);
    assertThat(elsewhere.authorizations).allMatch(String::isEmpty);
  }

  // ---- 2. nothing is written outside the cache ----

  @Test
  void aCommitWithPathSegmentsIsRefused() throws Exception {
    for (String commit : List.of("../../../escaped", root.resolve("abs").toString(), "main/..")) {
      hub.trap = (ex, method, path) -> path.endsWith("/config.json")
          && HubTestServer.answer(ex, 200, "X-Repo-Commit", commit, "ETag", "\"abc\"",
              "Content-Length", "2");
      assertThatThrownBy(() -> snapshot("org/model"))
          .isInstanceOf(Model2VecException.class).hasMessageContaining("X-Repo-Commit")
          .hasMessageContaining("40");
      assertNothingOutsideTheCache();
    }
  }

  @Test
  void anEtagThatIsNotASafeFileNameIsRefused() throws Exception {
    for (String etag : List.of("..", ".", "abc.lock", "x/../../y", "a\\b")) {
      hub.trap = (ex, method, path) -> path.endsWith("/config.json")
          && HubTestServer.answer(ex, 200, "X-Repo-Commit", COMMIT, "ETag", "\"" + etag + "\"",
              "Content-Length", "2");
      assertThatThrownBy(() -> snapshot("org/model"))
          .isInstanceOf(Model2VecException.class).hasMessageContaining("ETag");
      assertNothingOutsideTheCache();
    }
  }

  @Test
  void aRefsFileThatIsNotACommitIsNotFollowed() throws Exception {
    Path outside = root.resolve("a/outside-model");
    Files.createDirectories(outside);
    Files.copy(tensors, outside.resolve("model.safetensors"));
    Path ref = repoDir("org/model").resolve("refs/main");
    Files.createDirectories(ref.getParent());
    Files.writeString(ref, "../../../outside-model");
    env.put("HF_HUB_OFFLINE", "1");
    assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("refs/main")
        .hasMessageContaining("commit");
  }

  @Test
  void aRevisionIsARefNameAndNeverAPath() throws Exception {
    Path victim = root.resolve("a/victim");
    Files.createDirectories(victim.getParent());
    Files.writeString(victim, "precious");
    // a hostile server that resolves any revision
    model.refs.put("../../../victim", COMMIT);
    for (String revision : List.of("../../../victim", root.resolve("abs").toString(),
        "refs/../main", "main\n", "main\u0000", "a//b", "refs/pr/1/")) {
      assertThatThrownBy(() -> snapshot("org/model", LoadOptions.builder().revision(revision).build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("revision")
          .satisfies(HubClientHostileTest::assertOneLineWithoutSecrets);
      env.put("HF_HUB_OFFLINE", "1");
      assertThatThrownBy(() -> snapshot("org/model", LoadOptions.builder().revision(revision).build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("revision");
      env.remove("HF_HUB_OFFLINE");
    }
    assertThat(Files.readString(victim)).isEqualTo("precious");
    assertNothingOutsideTheCache();
    // branch names with '/' are fine
    Path pr = snapshot("org/model", LoadOptions.builder().revision("refs/pr/1").build());
    assertThat(pr.resolve("model.safetensors")).exists();
    assertThat(Files.readString(repoDir("org/model").resolve("refs/refs/pr/1"))).isEqualTo(COMMIT);
  }

  @Test
  void aSubfolderIsARelativePathInsideTheRepository() throws Exception {
    for (String sub : List.of("../../..", "/abs", "a/../../b")) {
      assertThatThrownBy(() -> snapshot("org/model", LoadOptions.builder().subfolder(sub).build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subfolder");
    }
    assertNothingOutsideTheCache();
  }

  // ---- 3. a download is complete and verified before it becomes a blob ----

  @Test
  void aBodyCutShortWithoutContentLengthNeverBecomesABlob() throws Exception {
    hub.fault = HubTestServer.Fault.CUT_SHORT;
    hub.faults.set(1);
    assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("118156 of 236312 bytes");
    assertThat(repoDir("org/model").resolve("blobs").resolve(sha256(tensors))).doesNotExist();
    // the next run completes it
    assertThat(Files.mismatch(snapshot("org/model").resolve("model.safetensors"), tensors)).isEqualTo(-1L);

    // the same for a small (non-LFS) file: the HEAD's Content-Length is its size
    hub.add("org/other", COMMIT).folder("", Fixtures.model("test-model-float32"));
    hub.faultPath = "/tokenizer.json";
    hub.faults.set(1);
    assertThatThrownBy(() -> snapshot("org/other"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("341833 of 683666 bytes");
    Path tokenizer = Fixtures.model("test-model-float32").resolve("tokenizer.json");
    assertThat(Files.mismatch(snapshot("org/other").resolve("tokenizer.json"), tokenizer)).isEqualTo(-1L);
  }

  private static String sha256(Path p) throws Exception {
    return HubTestServer.sha256(p);
  }

  @Test
  void aBrokenOffDownloadIsResumedWithRange() throws Exception {
    hub.fault = HubTestServer.Fault.BROKEN_OFF;
    hub.faults.set(1);
    assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("bytes");
    Path partial = repoDir("org/model").resolve("blobs").resolve(sha256(tensors) + ".incomplete");
    assertThat(partial).exists();
    long have = Files.size(partial);
    assertThat(have).isPositive();
    Path snap = snapshot("org/model");
    assertThat(hub.ranges).containsExactly("bytes=" + have + "-");
    assertThat(Files.mismatch(snap.resolve("model.safetensors"), tensors)).isEqualTo(-1L);
    assertThat(partial).doesNotExist();
  }

  @Test
  void aBodyLargerThanAnnouncedIsRefused() throws Exception {
    hub.fault = HubTestServer.Fault.OVERSIZED;
    hub.faults.set(1);
    assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("more than the 236312 bytes"));
    assertNoTensorsBlobOrPartial();
  }

  @Test
  void aBodyWhoseSha256IsNotItsEtagIsRefused() throws Exception {
    hub.fault = HubTestServer.Fault.CORRUPT;
    hub.faults.set(1);
    assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("sha256");
    assertNoTensorsBlobOrPartial();
  }

  @Test
  void aBodyThatStopsTimesOut() {
    hub.fault = HubTestServer.Fault.DRIP;
    hub.dripMillis = 3000;
    hub.faults.set(1);
    assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("no data for 1 s")
        .hasMessageContaining("HF_HUB_DOWNLOAD_TIMEOUT"));
  }

  @Test
  void aBodyDrippedFasterThanTheReadTimeoutStillEnds() {
    hub.fault = HubTestServer.Fault.DRIP;
    hub.dripMillis = 200;
    hub.faults.set(1);
    assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("64 KiB")
        .hasMessageContaining("HF_HUB_DOWNLOAD_TIMEOUT"));
  }

  @Test
  void aStalledHeadTimesOut() {
    hub.trap = (ex, method, path) -> {
      if (method.equals("HEAD")) {
        try {
          Thread.sleep(3000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return false;
    };
    assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("HF_HUB_ETAG_TIMEOUT"));
  }

  @Test
  void aLockHeldTooLongNamesItsHolder() throws Exception {
    env.put("MODEL2VEC_HUB_LOCK_TIMEOUT", "1");
    Path blobs = repoDir("org/model").resolve("blobs");
    Files.createDirectories(blobs);
    Path lockFile = blobs.resolve(sha256(tensors) + ".lock");
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock held = ch.lock()) {
      ch.write(ByteBuffer.wrap("pid 4242 on host elsewhere".getBytes(StandardCharsets.UTF_8)));
      assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> snapshot("org/model"))
          .isInstanceOf(Model2VecException.class).hasMessageContaining("pid 4242 on host elsewhere")
          .hasMessageContaining("MODEL2VEC_HUB_LOCK_TIMEOUT"));
    }
    // once free, the download takes the lock and says who holds it
    snapshot("org/model");
    assertThat(Files.readString(lockFile)).contains("pid " + ProcessHandle.current().pid());
  }

  // ---- 4. clear one-line errors, never a secret, and the cached snapshot still serves ----

  @Test
  void aTokenWithATrailingNewlineIsTrimmed() throws Exception {
    env.put("HF_TOKEN", TOKEN + "\n");
    assertThat(snapshot("org/private").resolve("model.safetensors")).exists();
    assertThat(hub.authorizations).contains("Bearer " + TOKEN);
    Files.createDirectories(root.resolve("home"));
    Files.writeString(root.resolve("home/token"), " " + TOKEN + "\r\n");
    env.remove("HF_TOKEN");
    assertThat(snapshot("org/private").resolve("model.safetensors")).exists();
  }

  @Test
  void aTokenWithAControlCharacterFailsWithoutShowingIt() {
    env.put("HF_TOKEN", "s3cret\nX-Injected: 1");
    assertThatThrownBy(() -> snapshot("org/private"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("HF_TOKEN")
        .satisfies(HubClientHostileTest::assertOneLineWithoutSecrets);
  }

  @Test
  void aBadEndpointIsAOneLineErrorAndTheCacheStillServes() {
    for (String endpoint : List.of("not a url", "ftp://127.0.0.1/", "http://", "file:///etc",
        "http://user:s3cret@127.0.0.1/")) {
      env.put("HF_ENDPOINT", endpoint);
      assertThatThrownBy(() -> snapshot("org/model"))
          .isInstanceOf(Model2VecException.class).hasMessageContaining("HF_ENDPOINT")
          .satisfies(HubClientHostileTest::assertOneLineWithoutSecrets);
    }
    env.put("HF_ENDPOINT", hub.endpoint());
    Path cached = snapshot("org/model");
    env.put("HF_ENDPOINT", "ftp://127.0.0.1/");
    assertThat(snapshot("org/model")).isEqualTo(cached);
  }

  @Test
  void badTimeoutsAreOneLineErrorsAndTheCacheStillServes() {
    for (String key : List.of("HF_HUB_DOWNLOAD_TIMEOUT", "HF_HUB_ETAG_TIMEOUT", "MODEL2VEC_HUB_LOCK_TIMEOUT")) {
      for (String value : List.of("abc", "0", "-1", "NaN", "1e999", "99999999")) {
        env.put(key, value);
        assertThatThrownBy(() -> snapshot("org/model"))
            .isInstanceOf(Model2VecException.class).hasMessageContaining(key)
            .hasMessageContaining("'" + value + "'")
            .satisfies(HubClientHostileTest::assertOneLineWithoutSecrets);
      }
      env.put(key, " 2.5\n");
    }
    Path cached = snapshot("org/model");
    env.put("HF_HUB_DOWNLOAD_TIMEOUT", "abc");
    assertThat(snapshot("org/model")).isEqualTo(cached);
  }

  @Test
  void fileAndMalformedLocationsAreRefusedAndTheCacheStillServes() throws Exception {
    String etag = sha256(tensors);
    for (String location : List.of("file:///etc/passwd", "http://[::1", "jar:file:/x!/y", "")) {
      hub.trap = (ex, method, path) -> method.equals("HEAD") && path.endsWith(".safetensors")
          && HubTestServer.answer(ex, 302, "X-Repo-Commit", COMMIT, "X-Linked-Etag", etag,
              "X-Linked-Size", "236312", "Location", location);
      assertThatThrownBy(() -> snapshot("org/model"))
          .isInstanceOf(Model2VecException.class).hasMessageContaining("Location")
          .satisfies(HubClientHostileTest::assertOneLineWithoutSecrets);
    }
    hub.trap = null;
    Path cached = snapshot("org/model");
    hub.trap = (ex, method, path) -> method.equals("HEAD") && path.endsWith(".safetensors")
        && HubTestServer.answer(ex, 302, "X-Repo-Commit", COMMIT, "X-Linked-Etag", etag,
            "X-Linked-Size", "236312", "Location", "file:///etc/passwd");
    assertThat(snapshot("org/model")).isEqualTo(cached);
  }

  @Test
  void redirectLoopsAreTooManyRedirectsAndTheCacheStillServes() {
    hub.trap = (ex, method, path) -> method.equals("HEAD") && path.endsWith("/config.json")
        && HubTestServer.answer(ex, 302, "Location", path);
    assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("too many redirects"));
    // the same on the GET
    hub.trap = (ex, method, path) -> method.equals("GET") && path.startsWith("/cdn/")
        && HubTestServer.answer(ex, 302, "Location", path);
    assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> snapshot("org/model"))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("too many redirects"));
    hub.trap = null;
    Path cached = snapshot("org/model");
    hub.trap = (ex, method, path) -> method.equals("HEAD") && path.endsWith("/config.json")
        && HubTestServer.answer(ex, 302, "Location", path);
    assertThat(snapshot("org/model")).isEqualTo(cached);
  }

  // ---- 5. a shared cache: links planted in it are never followed ----

  /** A file outside the cache that a planted link points to; it must stay as it is. */
  private Path victim() throws Exception {
    Path victim = root.resolve("v/victim");
    Files.createDirectories(victim.getParent());
    Files.writeString(victim, "precious");
    return victim;
  }

  private void assertTamperedAndVictimKept(Path entry, Path victim) throws Exception {
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> snapshot("org/model"));
    assertThat(e).isInstanceOf(Model2VecException.class)
        .hasMessageContaining(entry.toString())
        .hasMessageContaining("which this cache never makes");
    assertOneLineWithoutSecrets(e);
    assertThat(Files.readString(victim)).isEqualTo("precious");
    assertNothingOutsideTheCache();
  }

  @Test
  void aBlobsFolderLinkedElsewhereIsNotWrittenThrough() throws Exception {
    Path elsewhere = Files.createDirectories(root.resolve("v/elsewhere"));
    Files.createDirectories(repoDir("org/model"));
    Path blobs = Files.createSymbolicLink(repoDir("org/model").resolve("blobs"), elsewhere);
    Path victim = victim();
    assertTamperedAndVictimKept(blobs, victim);
    try (Stream<Path> written = Files.list(elsewhere)) {
      assertThat(written).isEmpty();
    }
  }

  @Test
  void aLockLinkedToAFileIsNotTruncatedThroughIt() throws Exception {
    Path victim = victim();
    Path blobs = Files.createDirectories(repoDir("org/model").resolve("blobs"));
    Path lock = Files.createSymbolicLink(blobs.resolve(sha256(tensors) + ".lock"), victim);
    assertTamperedAndVictimKept(lock, victim);
  }

  @Test
  void aPartialDownloadLinkedToAFileIsNotAppendedThroughIt() throws Exception {
    Path victim = victim();
    Path blobs = Files.createDirectories(repoDir("org/model").resolve("blobs"));
    Path part = Files.createSymbolicLink(blobs.resolve(sha256(tensors) + ".incomplete"), victim);
    assertTamperedAndVictimKept(part, victim);
  }

  @Test
  void aBlobThatIsALinkIsNotLoaded() throws Exception {
    Path victim = victim();
    Path blobs = Files.createDirectories(repoDir("org/model").resolve("blobs"));
    Path blob = Files.createSymbolicLink(blobs.resolve(sha256(tensors)), victim);
    assertTamperedAndVictimKept(blob, victim);
  }

  @Test
  void aSnapshotFolderOrFileLinkedElsewhereIsNotLoaded() throws Exception {
    Path snap = snapshot("org/model");
    Path victim = victim();
    // another model, planted: a snapshot file linked to it
    Path planted = Files.copy(Fixtures.model("test-model-int8").resolve("model.safetensors"),
        root.resolve("v/planted.safetensors"));
    Path file = snap.resolve("model.safetensors");
    Files.delete(file);
    Files.createSymbolicLink(file, planted);
    assertThatThrownBy(() -> snapshot("org/model", LoadOptions.builder().revision(COMMIT).build()))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining(file + " links to " + planted + ", not to a blob of this repository");
    // the whole snapshot folder swapped for a link to a folder elsewhere
    Path other = Files.createDirectories(root.resolve("v/other"));
    for (String name : List.of("config.json", "model.safetensors", "tokenizer.json")) {
      Files.copy(Fixtures.model("test-model-int8").resolve(name), other.resolve(name));
    }
    try (Stream<Path> files = Files.list(snap)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.delete(p);
      }
    }
    Files.delete(snap);
    Files.createSymbolicLink(snap, other);
    assertThatThrownBy(() -> snapshot("org/model", LoadOptions.builder().revision(COMMIT).build()))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining(snap + " is a symbolic link");
    assertThat(Files.readString(victim)).isEqualTo("precious");
  }

  @Test
  void aDownloadLargerThanTheConfiguredMaximumIsRefusedBeforeItIsWritten() throws Exception {
    env.put("MODEL2VEC_HUB_MAX_DOWNLOAD_BYTES", "100000");
    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> snapshot("org/model"));
    assertThat(e).isInstanceOf(Model2VecException.class)
        .hasMessageContaining("announces 236312 bytes, more than the 100000 that "
            + "MODEL2VEC_HUB_MAX_DOWNLOAD_BYTES allows");
    assertOneLineWithoutSecrets(e);
    assertNoTensorsBlobOrPartial();
    env.put("MODEL2VEC_HUB_MAX_DOWNLOAD_BYTES", "0");
    assertThatThrownBy(() -> snapshot("org/model")).isInstanceOf(Model2VecException.class)
        .hasMessageContaining("MODEL2VEC_HUB_MAX_DOWNLOAD_BYTES");
  }
}
