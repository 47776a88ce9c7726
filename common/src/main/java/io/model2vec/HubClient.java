package io.model2vec;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a model repository from the HuggingFace hub into the cache layout of Python's
 * huggingface_hub, so that the two share one cache:
 *
 * <pre>
 * $HF_HUB_CACHE/models--org--name/blobs/&lt;etag&gt;
 *                                /snapshots/&lt;commit&gt;/&lt;file&gt;  -&gt; ../../blobs/&lt;etag&gt;
 *                                /refs/&lt;revision&gt;             (holds the commit sha)
 * </pre>
 *
 * Honours {@code HF_ENDPOINT}, {@code HF_TOKEN} (or {@code $HF_HOME/token}),
 * {@code HF_HUB_CACHE}/{@code HF_HOME} and {@code HF_HUB_OFFLINE}. Files are downloaded to a
 * temporary file under an exclusive file lock and moved into place atomically, so executors
 * sharing a cache never see half a file.
 */
final class HubClient {
  private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final String DEFAULT_ENDPOINT = "https://huggingface.co";
  private static final java.util.concurrent.ConcurrentMap<Path, Object> BLOB_LOCKS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Tests point the default environment elsewhere; {@code null} means the real one. */
  static volatile Map<String, String> environmentOverride;

  private final Map<String, String> env;
  private final String endpoint;
  private final Path cache;
  private final boolean offline;
  private final HttpClient http;
  private final HttpClient headClient;

  HubClient(Map<String, String> env) {
    this.env = env;
    String e = env.getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT);
    this.endpoint = e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
    this.cache = cacheDir(env);
    this.offline = isTrue(env.get("HF_HUB_OFFLINE"));
    Duration connect = Duration.ofSeconds(Long.parseLong(env.getOrDefault("HF_HUB_ETAG_TIMEOUT", "10")));
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(connect).build();
    this.headClient = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(connect).build();
  }

  static HubClient fromEnvironment() {
    Map<String, String> o = environmentOverride;
    return new HubClient(o != null ? o : System.getenv());
  }

  static Path cacheDir(Map<String, String> env) {
    String hubCache = env.get("HF_HUB_CACHE");
    if (hubCache != null && !hubCache.isBlank()) {
      return Paths.get(hubCache);
    }
    return hfHome(env).resolve("hub");
  }

  private static Path hfHome(Map<String, String> env) {
    String home = env.get("HF_HOME");
    if (home != null && !home.isBlank()) {
      return Paths.get(home);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg)
        : Paths.get(System.getProperty("user.home"), ".cache");
    return base.resolve("huggingface");
  }

  private static boolean isTrue(String v) {
    return v != null && Pattern.matches("(?i)1|true|yes|on", v.trim());
  }

  /** The local snapshot folder of {@code repoId} at the options' revision, downloading what is missing. */
  Path snapshot(String repoId, LoadOptions options) {
    String revision = options.revision() == null ? "main" : options.revision();
    String prefix = options.subfolder() == null ? "" : options.subfolder().replaceAll("/+$", "") + "/";
    Path repoDir = cache.resolve("models--" + repoId.replace("/", "--"));
    if (offline) {
      return cachedSnapshot(repoDir, repoId, revision)
          .orElseThrow(() -> new Model2VecException("model '" + repoId + "' (revision " + revision
              + ") is not in the HuggingFace cache at " + repoDir + " and HF_HUB_OFFLINE is set, "
              + "so it cannot be downloaded"));
    }
    String token = token(options);
    try {
      return download(repoId, revision, prefix, repoDir, token);
    } catch (HubIoException e) {
      // As huggingface_hub does: when the hub cannot be reached, a cached snapshot still serves.
      Optional<Path> cached = cachedSnapshot(repoDir, repoId, revision);
      if (cached.isPresent() && hasModel(cached.get().resolve(prefix))) {
        LOG.warn("Could not reach {} ({}); using the cached snapshot {}", endpoint,
            e.getMessage(), cached.get());
        return cached.get();
      }
      throw new Model2VecException("could not download model '" + repoId + "' from " + endpoint
          + ": " + e.getMessage(), e.getCause());
    }
  }

  private Path download(String repoId, String revision, String prefix, Path repoDir,
      String token) throws HubIoException {
    // A snapshot of a commit sha never changes: if it is complete, no request is needed.
    if (COMMIT.matcher(revision).matches()) {
      Path snap = repoDir.resolve("snapshots").resolve(revision);
      if (hasModel(snap.resolve(prefix)) && Files.isRegularFile(snap.resolve(prefix + "tokenizer.json"))) {
        return snap;
      }
    }
    // config.json (model2vec layout) or config_sentence_transformers.json; then the tensors and
    // tokenizer beside it, or in 0_StaticEmbedding/.
    String commit = null;
    Fetch config = fetch(repoId, revision, prefix + "config.json", repoDir, false, token);
    if (config == null) {
      config = fetch(repoId, revision, prefix + "config_sentence_transformers.json", repoDir, false, token);
    }
    if (config != null) {
      commit = config.commit;
    }
    String rev = commit != null ? commit : revision;
    Fetch tensors = fetch(repoId, rev, prefix + "model.safetensors", repoDir, false, token);
    String weightsPrefix = prefix;
    if (tensors == null) {
      weightsPrefix = prefix + "0_StaticEmbedding/";
      tensors = fetch(repoId, rev, weightsPrefix + "model.safetensors", repoDir, false, token);
    }
    if (tensors == null) {
      throw new Model2VecException("model '" + repoId + "' at revision " + revision + " has no "
          + prefix + "model.safetensors (nor " + prefix + "0_StaticEmbedding/model.safetensors) on "
          + endpoint);
    }
    commit = commit != null ? commit : tensors.commit;
    Fetch tokenizer = fetch(repoId, commit, weightsPrefix + "tokenizer.json", repoDir, true, token);
    fetch(repoId, commit, prefix + "modules.json", repoDir, false, token);
    if (!commit.equals(revision)) {
      writeRef(repoDir, revision, commit);
    }
    LOG.info("Model {} revision {} (commit {}) is in {}", repoId, revision, commit,
        tokenizer.path.getParent());
    return repoDir.resolve("snapshots").resolve(commit);
  }

  private static final class Fetch {
    final String file;
    final String commit;
    final Path path;

    Fetch(String file, String commit, Path path) {
      this.file = file;
      this.commit = commit;
      this.path = path;
    }
  }

  /**
   * Downloads one file into the cache; {@code null} if the hub says it does not exist. Like
   * huggingface_hub: a HEAD request without following redirects gives the commit and the etag (the
   * hub's 302 to its CDN carries them, the CDN's answer does not); the body is fetched only when
   * the blob is not cached yet.
   */
  private Fetch fetch(String repoId, String revision, String file, Path repoDir, boolean required,
      String token) throws HubIoException {
    URI uri = URI.create(endpoint + "/" + repoId + "/resolve/" + encode(revision) + "/" + file);
    HttpResponse<Void> head = head(uri, token);
    int status = head.statusCode();
    if (status == 404) {
      String code = head.headers().firstValue("X-Error-Code").orElse("");
      if (code.equals("RepoNotFound") || code.equals("RevisionNotFound")) {
        throw new Model2VecException("HuggingFace " + (code.equals("RepoNotFound")
            ? "repository '" + repoId + "' was not found" : "revision '" + revision
            + "' of '" + repoId + "' was not found") + " on " + endpoint
            + " (private repositories need HF_TOKEN)");
      }
      if (required) {
        throw new Model2VecException("model '" + repoId + "' at revision " + revision
            + " has no file " + file + " on " + endpoint);
      }
      return null;
    }
    if (status == 401 || status == 403) {
      throw new Model2VecException("the hub refused " + uri + " (HTTP " + status + "): "
          + "authentication " + (token == null ? "is required; set HF_TOKEN or pass a token"
          : "failed; check HF_TOKEN or the token passed"));
    }
    if (status / 100 != 2 && status / 100 != 3) {
      throw new HubIoException("HTTP " + status + " for HEAD " + uri, null);
    }
    String commit = head.headers().firstValue("X-Repo-Commit").orElse(null);
    if (commit == null) {
      if (!COMMIT.matcher(revision).matches()) {
        throw new Model2VecException(uri + " answered without an X-Repo-Commit header; is "
            + endpoint + " a HuggingFace hub (HF_ENDPOINT)?");
      }
      commit = revision;
    }
    String etag = head.headers().firstValue("X-Linked-Etag")
        .or(() -> head.headers().firstValue("ETag")).orElse(null);
    if (etag == null) {
      throw new Model2VecException(uri + " answered without an ETag; is " + endpoint
          + " a HuggingFace hub (HF_ENDPOINT)?");
    }
    etag = etag.replaceFirst("^W/", "").replace("\"", "");
    if (!etag.matches("[A-Za-z0-9._-]+")) {
      throw new Model2VecException(uri + " answered with an unusable ETag '" + etag + "'");
    }
    Path blob = repoDir.resolve("blobs").resolve(etag);
    Path link = repoDir.resolve("snapshots").resolve(commit).resolve(file);
    try {
      if (!Files.isRegularFile(blob)) {
        URI from = head.headers().firstValue("Location").map(uri::resolve).orElse(uri);
        storeBlob(from, token, blob);
      }
      linkSnapshot(link, blob);
    } catch (IOException e) {
      throw new HubIoException("could not download " + uri + ": " + e, e);
    }
    return new Fetch(file, commit, link);
  }

  private HttpResponse<Void> head(URI uri, String token) throws HubIoException {
    // Relative redirects (renamed repositories) are followed; a redirect to another host (the
    // CDN) is where the file lives, and its metadata is on this response.
    URI current = uri;
    for (int hops = 0; ; hops++) {
      HttpResponse<Void> r = send(current, token, "HEAD", HttpResponse.BodyHandlers.discarding());
      String location = r.headers().firstValue("Location").orElse(null);
      boolean relative = location != null && !URI.create(location).isAbsolute();
      if (r.statusCode() / 100 == 3 && relative && hops < 5
          && r.headers().firstValue("X-Repo-Commit").isEmpty()) {
        current = current.resolve(location);
        continue;
      }
      return r;
    }
  }

  private <T> HttpResponse<T> send(URI uri, String token, String method,
      HttpResponse.BodyHandler<T> handler) throws HubIoException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(Long.parseLong(env.getOrDefault("HF_HUB_DOWNLOAD_TIMEOUT", "60"))))
        .header("User-Agent", "model2vec-jvm/0.1; java/" + System.getProperty("java.version"))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      return (method.equals("HEAD") ? headClient : http).send(request.build(), handler);
    } catch (IOException e) {
      throw new HubIoException(e.toString(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Model2VecException("interrupted while downloading " + uri, e);
    }
  }

  /** The token: the options', else HF_TOKEN, else the token file huggingface-cli writes. */
  private String token(LoadOptions options) {
    String t = options.token();
    if (t == null || t.isBlank()) {
      t = env.get("HF_TOKEN");
    }
    if (t == null || t.isBlank()) {
      Path file = env.containsKey("HF_TOKEN_PATH") ? Paths.get(env.get("HF_TOKEN_PATH"))
          : hfHome(env).resolve("token");
      try {
        t = Files.isRegularFile(file) ? Files.readString(file).trim() : null;
      } catch (IOException e) {
        t = null;
      }
    }
    return t == null || t.isBlank() ? null : t;
  }

  /**
   * Downloads {@code from} into blobs/ unless another thread or process already did. File locks
   * exclude other processes; they are held per JVM, so threads also take an in-process lock.
   */
  private void storeBlob(URI from, String token, Path blob) throws IOException, HubIoException {
    Files.createDirectories(blob.getParent());
    Object jvmLock = BLOB_LOCKS.computeIfAbsent(blob.toAbsolutePath().normalize(), k -> new Object());
    synchronized (jvmLock) {
      storeBlobLocked(from, token, blob);
    }
  }

  private void storeBlobLocked(URI from, String token, Path blob) throws IOException, HubIoException {
    Path lockFile = blob.resolveSibling(blob.getFileName() + ".lock");
    try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = lockChannel.lock()) {
      if (Files.isRegularFile(blob)) {
        return;
      }
      HttpResponse<InputStream> r = send(from, token, "GET", HttpResponse.BodyHandlers.ofInputStream());
      Path tmp = Files.createTempFile(blob.getParent(), blob.getFileName().toString(), ".incomplete");
      try (InputStream body = r.body()) {
        if (r.statusCode() / 100 != 2) {
          throw new HubIoException("HTTP " + r.statusCode() + " for GET " + from, null);
        }
        long n = Files.copy(body, tmp, StandardCopyOption.REPLACE_EXISTING);
        long expected = r.headers().firstValueAsLong("Content-Length").orElse(n);
        if (n != expected) {
          throw new IOException("got " + n + " of " + expected + " bytes from " + from);
        }
        try {
          Files.move(tmp, blob, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, blob, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }

  /** snapshots/&lt;commit&gt;/&lt;file&gt; as a relative symlink to the blob (a copy where links fail). */
  private static void linkSnapshot(Path link, Path blob) throws IOException {
    if (Files.exists(link)) {
      return;
    }
    Files.createDirectories(link.getParent());
    Path target = link.getParent().relativize(blob);
    try {
      Files.createSymbolicLink(link, target);
    } catch (FileAlreadyExistsException e) {
      // another thread linked it
    } catch (UnsupportedOperationException | IOException e) {
      Path tmp = Files.createTempFile(link.getParent(), link.getFileName().toString(), ".tmp");
      Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void writeRef(Path repoDir, String revision, String commit) {
    try {
      Path ref = repoDir.resolve("refs").resolve(revision);
      Files.createDirectories(ref.getParent());
      Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
      Files.writeString(tmp, commit);
      Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.warn("Could not record refs/{} -> {} in {}: {}", revision, commit, repoDir, e.toString());
    }
  }

  /** The snapshot for a revision from the cache alone (refs/ for branches and tags). */
  static Optional<Path> cachedSnapshot(Path repoDir, String repoId, String revision) {
    String commit = revision;
    if (!COMMIT.matcher(revision).matches()) {
      Path ref = repoDir.resolve("refs").resolve(revision);
      if (!Files.isRegularFile(ref)) {
        return Optional.empty();
      }
      try {
        commit = Files.readString(ref).trim();
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    Path snap = repoDir.resolve("snapshots").resolve(commit);
    return Files.isDirectory(snap) ? Optional.of(snap) : Optional.empty();
  }

  private static boolean hasModel(Path dir) {
    return Files.isRegularFile(dir.resolve("model.safetensors"))
        || Files.isRegularFile(dir.resolve("0_StaticEmbedding/model.safetensors"));
  }

  private static String encode(String revision) {
    return URLEncoder.encode(revision, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A network failure (as opposed to an answer from the hub). */
  private static final class HubIoException extends Exception {
    private static final long serialVersionUID = 1L;

    HubIoException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
