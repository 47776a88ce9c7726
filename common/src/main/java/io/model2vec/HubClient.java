package io.model2vec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
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
 * {@code HF_HUB_CACHE}/{@code HF_HOME}, {@code HF_HUB_OFFLINE}, {@code HF_HUB_ETAG_TIMEOUT},
 * {@code HF_HUB_DOWNLOAD_TIMEOUT} and {@code MODEL2VEC_HUB_LOCK_TIMEOUT}, all trimmed.
 *
 * <p>What a server says is not trusted (the order of checks follows huggingface_hub's
 * {@code file_download.py}): a commit must be 40 hex characters, an ETag a plain file name, a
 * revision a ref name, and every path is checked to be inside the repository's cache folder
 * before it is touched. A body goes to {@code blobs/<etag>.incomplete} under an exclusive file
 * lock (bounded wait), must have the announced size (and the sha256 an LFS ETag names) and only
 * then is moved into place, so executors sharing a cache never see half a file; a download that
 * broke off is resumed with {@code Range}. Redirects and the token are handled by {@link HubHttp}.
 */
final class HubClient {
  private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  /** A blob's file name: no separators, no dot first (so never "." or ".."), no suffix of ours. */
  private static final Pattern BLOB_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9})?");
  private static final String DEFAULT_ENDPOINT = "https://huggingface.co";
  static final String LOCK_TIMEOUT = "MODEL2VEC_HUB_LOCK_TIMEOUT";
  /** The fewest bytes a download must bring in each HF_HUB_DOWNLOAD_TIMEOUT period. */
  private static final long MIN_PROGRESS = 64 * 1024;
  private static final ConcurrentMap<Path, ReentrantLock> BLOB_LOCKS = new ConcurrentHashMap<>();

  /** Tests point the default environment elsewhere; {@code null} means the real one. */
  static volatile Map<String, String> environmentOverride;

  private final Map<String, String> env;
  private final Path cache;
  private final boolean offline;
  /** The endpoint for messages (never with user info); a bad HF_ENDPOINT is shown by name. */
  private final String endpointShown;
  private final URI endpoint;
  private final int etagTimeoutMillis;
  private final int downloadTimeoutMillis;
  private final long lockTimeoutMillis;
  /**
   * The first configuration problem (HF_ENDPOINT, a timeout), reported when the network is
   * needed: an offline load or a cached snapshot does not depend on them.
   */
  private final String configProblem;

  HubClient(Map<String, String> env) {
    this.env = env;
    this.cache = cacheDir(env).toAbsolutePath().normalize();
    this.offline = isTrue(value(env, "HF_HUB_OFFLINE"));
    String problem = null;
    URI e = null;
    try {
      e = endpoint(value(env, "HF_ENDPOINT"));
    } catch (IllegalArgumentException x) {
      problem = x.getMessage();
    }
    this.endpoint = e;
    this.endpointShown = e == null ? "HF_ENDPOINT" : HubHttp.shown(e);
    long[] t = new long[3];
    String[] keys = {"HF_HUB_ETAG_TIMEOUT", "HF_HUB_DOWNLOAD_TIMEOUT", LOCK_TIMEOUT};
    double[] defaults = {10, 10, 600};
    for (int i = 0; i < 3; i++) {
      try {
        t[i] = millis(keys[i], value(env, keys[i]), defaults[i]);
      } catch (IllegalArgumentException x) {
        t[i] = (long) (defaults[i] * 1000);
        problem = problem != null ? problem : x.getMessage();
      }
    }
    this.etagTimeoutMillis = (int) t[0];
    this.downloadTimeoutMillis = (int) t[1];
    this.lockTimeoutMillis = t[2];
    this.configProblem = problem;
  }

  static HubClient fromEnvironment() {
    Map<String, String> o = environmentOverride;
    return new HubClient(o != null ? o : System.getenv());
  }

  /** An environment value, trimmed (a value pasted with its newline still works); null if blank. */
  private static String value(Map<String, String> env, String key) {
    String v = env.get(key);
    return v == null || v.isBlank() ? null : v.trim();
  }

  static Path cacheDir(Map<String, String> env) {
    String hubCache = value(env, "HF_HUB_CACHE");
    if (hubCache != null) {
      return Paths.get(hubCache);
    }
    return hfHome(env).resolve("hub");
  }

  private static Path hfHome(Map<String, String> env) {
    String home = value(env, "HF_HOME");
    if (home != null) {
      return Paths.get(home);
    }
    String xdg = value(env, "XDG_CACHE_HOME");
    Path base = xdg != null ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
    return base.resolve("huggingface");
  }

  private static boolean isTrue(String v) {
    return v != null && Pattern.matches("(?i)1|true|yes|on", v);
  }

  private static URI endpoint(String value) {
    String v = value == null ? DEFAULT_ENDPOINT : value.replaceAll("/+$", "");
    // a URL with user:password@ is not shown: the password would be in the message
    String shownValue = v.contains("@") ? "(not shown: it holds user info)" : "'" + shown(v) + "'";
    String rule = "HF_ENDPOINT must be an http or https URL such as " + DEFAULT_ENDPOINT;
    URI u;
    try {
      u = new URI(v);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(rule + ", was " + shownValue);
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null
        || u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new IllegalArgumentException(rule + " (no query or fragment), was " + shownValue);
    }
    if (u.getRawUserInfo() != null) {
      throw new IllegalArgumentException(rule + " without user info (use HF_TOKEN for "
          + "credentials), was " + shownValue);
    }
    return u;
  }

  /** Seconds (like 10 or 2.5) as milliseconds; a timeout of 0 would mean "wait forever". */
  private static long millis(String key, String value, double defaultSeconds) {
    if (value == null) {
      return (long) (defaultSeconds * 1000);
    }
    double seconds = SECONDS.matcher(value).matches() ? Double.parseDouble(value) : -1;
    long ms = (long) Math.ceil(seconds * 1000);
    if (seconds <= 0 || ms > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(key + " must be a number of seconds greater than 0 and at "
          + "most " + Integer.MAX_VALUE / 1000 + ", such as 10 or 2.5, was '" + shown(value) + "'");
    }
    return ms;
  }

  /** The local snapshot folder of {@code repoId} at the options' revision, downloading what is missing. */
  Path snapshot(String repoId, LoadOptions options) {
    if (repoId == null || !ModelResolver.isHubId(repoId)) {
      throw new IllegalArgumentException("repo id must be like org/name (letters, digits, '.', '_', "
          + "'-'), was '" + (repoId == null ? "null" : shown(repoId)) + "'");
    }
    String revision = checkRevision(options.revision() == null ? "main" : options.revision());
    String prefix = subfolderPrefix(options.subfolder());
    Path repoDir = cache.resolve("models--" + repoId.replace("/", "--"));
    if (offline) {
      return cachedSnapshot(repoDir, repoId, revision)
          .orElseThrow(() -> new Model2VecException("model '" + repoId + "' (revision " + revision
              + ") is not in the HuggingFace cache at " + repoDir + " and HF_HUB_OFFLINE is set, "
              + "so it cannot be downloaded"));
    }
    try {
      if (configProblem != null) {
        throw new HubIoException(configProblem);
      }
      HubHttp http = new HubHttp(endpoint, token(options), etagTimeoutMillis, downloadTimeoutMillis);
      return download(http, repoId, revision, prefix, repoDir);
    } catch (HubIoException e) {
      // As huggingface_hub does: when the hub cannot be used, a cached snapshot still serves.
      Optional<Path> cached;
      try {
        cached = cachedSnapshot(repoDir, repoId, revision);
      } catch (Model2VecException unusableRef) {
        cached = Optional.empty();
      }
      if (cached.isPresent() && complete(cached.get().resolve(prefix))) {
        LOG.warn("Could not use {} ({}); using the cached snapshot {}", endpointShown,
            e.getMessage(), cached.get());
        return cached.get();
      }
      throw new Model2VecException("could not download model '" + repoId + "' (revision "
          + revision + ") from " + endpointShown + ": " + e.getMessage(), e);
    }
  }

  /**
   * A revision is a ref name (branch, tag, {@code refs/pr/1}) or a commit: it names a file under
   * refs/ and a URL segment, so it may not climb out ({@code ..}), be absolute or hold control
   * characters; git's other forbidden characters are refused as well.
   */
  static String checkRevision(String revision) {
    String problem = segmentsProblem(revision, true);
    if (problem != null) {
      throw new IllegalArgumentException("revision must be a branch, tag or commit name (" + problem
          + "), was '" + shown(revision) + "'");
    }
    return revision;
  }

  private static String subfolderPrefix(String subfolder) {
    if (subfolder == null) {
      return "";
    }
    String s = subfolder.replaceAll("/+$", "");
    String problem = segmentsProblem(s, false);
    if (problem != null) {
      throw new IllegalArgumentException("subfolder must be a relative folder inside the repository ("
          + problem + "), was '" + shown(subfolder) + "'");
    }
    return s + "/";
  }

  /** Why {@code path} is not a relative path of plain segments, or null. */
  private static String segmentsProblem(String path, boolean refName) {
    if (path.isEmpty() || path.length() > 255) {
      return "1 to 255 characters";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "no control characters";
      }
      if (c == '\\' || refName && " ~^:?*[".indexOf(c) >= 0) {
        return refName ? "no spaces or any of ~^:?*[\\" : "no backslash";
      }
    }
    if (path.startsWith("/")) {
      return "not an absolute path";
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty()) {
        return "no empty segment between '/'";
      }
      if (segment.equals(".") || segment.equals("..")) {
        return "no '.' or '..' segment";
      }
    }
    return null;
  }

  private Path download(HubHttp http, String repoId, String revision, String prefix, Path repoDir)
      throws HubIoException {
    // A snapshot of a commit sha never changes: if it is complete, no request is needed.
    if (COMMIT.matcher(revision).matches()) {
      Path snap = repoDir.resolve("snapshots").resolve(revision);
      if (complete(snap.resolve(prefix))) {
        return snap;
      }
    }
    // config.json (model2vec layout) or config_sentence_transformers.json; then the tensors and
    // tokenizer beside it, or in 0_StaticEmbedding/.
    String commit = null;
    Fetch config = fetch(http, repoId, revision, prefix + "config.json", repoDir, false);
    if (config == null) {
      config = fetch(http, repoId, revision, prefix + "config_sentence_transformers.json", repoDir, false);
    }
    if (config != null) {
      commit = config.commit;
    }
    String rev = commit != null ? commit : revision;
    Fetch tensors = fetch(http, repoId, rev, prefix + "model.safetensors", repoDir, false);
    String weightsPrefix = prefix;
    if (tensors == null) {
      weightsPrefix = prefix + "0_StaticEmbedding/";
      tensors = fetch(http, repoId, rev, weightsPrefix + "model.safetensors", repoDir, false);
    }
    if (tensors == null) {
      throw new Model2VecException("model '" + repoId + "' at revision " + revision + " has no "
          + prefix + "model.safetensors (nor " + prefix + "0_StaticEmbedding/model.safetensors) on "
          + endpointShown);
    }
    commit = commit != null ? commit : tensors.commit;
    Fetch tokenizer = fetch(http, repoId, commit, weightsPrefix + "tokenizer.json", repoDir, true);
    fetch(http, repoId, commit, prefix + "modules.json", repoDir, false);
    if (!commit.equals(revision)) {
      writeRef(repoDir, revision, commit);
    }
    LOG.info("Model {} revision {} (commit {}) is in {}", repoId, revision, commit,
        tokenizer.path.getParent());
    return repoDir.resolve("snapshots").resolve(commit);
  }

  private static final class Fetch {
    final String commit;
    final Path path;

    Fetch(String commit, Path path) {
      this.commit = commit;
      this.path = path;
    }
  }

  /**
   * Downloads one file into the cache; {@code null} if the hub says it does not exist. Like
   * huggingface_hub: a HEAD request without following redirects to other origins gives the
   * commit, the etag and the size (the hub's 302 to its CDN carries them, the CDN's answer does
   * not); the body is fetched only when the blob is not cached yet.
   */
  private Fetch fetch(HubHttp http, String repoId, String revision, String file, Path repoDir,
      boolean required) throws HubIoException {
    URI uri = URI.create(endpoint + "/" + repoId + "/resolve/" + encode(revision) + "/"
        + encodePath(file));
    HubHttp.Head head = http.head(uri);
    int status = head.status;
    if (status == 404) {
      String code = head.errorCode == null ? "" : head.errorCode;
      if (code.equals("RepoNotFound") || code.equals("RevisionNotFound")) {
        throw new Model2VecException("HuggingFace " + (code.equals("RepoNotFound")
            ? "repository '" + repoId + "' was not found" : "revision '" + revision
            + "' of '" + repoId + "' was not found") + " on " + endpointShown
            + " (private repositories need HF_TOKEN)");
      }
      if (required) {
        throw new Model2VecException("model '" + repoId + "' at revision " + revision
            + " has no file " + file + " on " + endpointShown);
      }
      return null;
    }
    String shownUri = HubHttp.shown(head.uri);
    if (status == 401 || status == 403) {
      throw new Model2VecException("the hub refused " + shownUri + " (HTTP " + status + "): "
          + "authentication " + (http.hasToken() ? "failed; check HF_TOKEN or the token passed"
          : "is required; set HF_TOKEN or pass a token"));
    }
    if (status / 100 != 2 && status / 100 != 3) {
      throw new HubIoException("HTTP " + status + " for HEAD " + shownUri);
    }
    String commit = head.commit;
    if (commit == null) {
      if (!COMMIT.matcher(revision).matches()) {
        throw new HubIoException(shownUri + " answered without an X-Repo-Commit header; is "
            + endpointShown + " a HuggingFace hub (HF_ENDPOINT)?");
      }
      commit = revision;
    }
    if (!COMMIT.matcher(commit).matches()) {
      throw new HubIoException(shownUri + " answered with X-Repo-Commit '" + shown(commit)
          + "', which is not a commit (40 hex characters)");
    }
    if (head.etag == null) {
      throw new HubIoException(shownUri + " answered without an ETag; is " + endpointShown
          + " a HuggingFace hub (HF_ENDPOINT)?");
    }
    String etag = head.etag.trim().replaceFirst("^W/", "").replace("\"", "");
    if (!BLOB_NAME.matcher(etag).matches() || etag.endsWith(".lock") || etag.endsWith(".incomplete")) {
      throw new HubIoException(shownUri + " answered with ETag '" + shown(head.etag) + "', which is "
          + "not a plain file name (letters, digits, '.', '_', '-'; up to 128)");
    }
    Path blob = inside(repoDir, repoDir.resolve("blobs").resolve(etag));
    Path link = inside(repoDir, repoDir.resolve("snapshots").resolve(commit).resolve(file));
    if (!Files.isRegularFile(blob)) {
      storeBlob(http, head.location != null ? head.location : uri, blob, head.size, etag);
    }
    try {
      linkSnapshot(link, blob);
    } catch (IOException e) {
      throw new HubIoException("could not link " + link + " to " + blob + ": " + e, e);
    }
    return new Fetch(commit, link);
  }

  /** {@code path} if it is inside {@code repoDir}; checked before anything touches it. */
  private static Path inside(Path repoDir, Path path) throws HubIoException {
    if (!path.normalize().startsWith(repoDir) || path.normalize().equals(repoDir)) {
      throw new HubIoException(path + " is not inside the repository's cache folder " + repoDir);
    }
    return path;
  }

  /**
   * The token: the options', else HF_TOKEN, else the token file huggingface-cli writes; trimmed.
   * Errors name where it came from, never the token.
   */
  private String token(LoadOptions options) throws HubIoException {
    String t = options.token() == null || options.token().isBlank() ? null : options.token().trim();
    String source = "the token passed in LoadOptions";
    if (t == null) {
      t = value(env, "HF_TOKEN");
      source = "HF_TOKEN";
    }
    if (t == null) {
      String path = value(env, "HF_TOKEN_PATH");
      Path file = path != null ? Paths.get(path) : hfHome(env).resolve("token");
      source = "the token file " + file;
      try {
        t = Files.isRegularFile(file) ? Files.readString(file).trim() : null;
      } catch (IOException e) {
        LOG.warn("Could not read the token file {}: {}", file, e.toString());
        t = null;
      }
    }
    if (t == null || t.isEmpty()) {
      return null;
    }
    for (int i = 0; i < t.length(); i++) {
      if (t.charAt(i) <= 0x20 || t.charAt(i) >= 0x7f) {
        throw new HubIoException("the hub token from " + source + " contains a space, a control "
            + "or a non-ASCII character, so it cannot be sent (the token is not shown)");
      }
    }
    return t;
  }

  /**
   * Downloads {@code from} into blobs/ unless another thread or process already did. File locks
   * exclude other processes (and other class loaders' copies of this class, which see
   * OverlappingFileLockException); threads of this class loader also take an in-process lock.
   * Both waits end after {@code MODEL2VEC_HUB_LOCK_TIMEOUT}.
   */
  private void storeBlob(HubHttp http, URI from, Path blob, long size, String etag)
      throws HubIoException {
    Path lockFile = blob.resolveSibling(blob.getFileName() + ".lock");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lockTimeoutMillis);
    ReentrantLock jvmLock = BLOB_LOCKS.computeIfAbsent(blob, k -> new ReentrantLock());
    try {
      if (!jvmLock.tryLock(lockTimeoutMillis, TimeUnit.MILLISECONDS)) {
        throw lockTimeout(lockFile);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Model2VecException("interrupted while waiting for the lock " + lockFile, e);
    }
    try {
      Files.createDirectories(blob.getParent());
      try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
          StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        FileLock lock = acquire(channel, lockFile, deadline);
        try {
          if (Files.isRegularFile(blob)) {
            return;
          }
          // who holds the lock, for the message of a process that waits too long
          channel.truncate(0);
          channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on host "
              + Host.NAME + " since " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
          downloadBlob(http, from, blob, size, etag);
        } finally {
          lock.release();
        }
      }
    } catch (IOException e) {
      throw new HubIoException("could not store " + blob + ": " + e, e);
    } finally {
      jvmLock.unlock();
    }
  }

  private FileLock acquire(FileChannel channel, Path lockFile, long deadline)
      throws IOException, HubIoException {
    boolean logged = false;
    while (true) {
      try {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          return lock;
        }
      } catch (OverlappingFileLockException e) {
        // held in this JVM through another class loader: wait as for another process
      }
      if (!logged) {
        LOG.info("Waiting for the lock {}, held by {}", lockFile, holder(lockFile));
        logged = true;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw lockTimeout(lockFile);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Model2VecException("interrupted while waiting for the lock " + lockFile, e);
      }
    }
  }

  private HubIoException lockTimeout(Path lockFile) {
    return new HubIoException("waited " + HubHttp.seconds((int) Math.min(lockTimeoutMillis,
        Integer.MAX_VALUE)) + " s for the lock " + lockFile + ", held by " + holder(lockFile)
        + " (" + LOCK_TIMEOUT + " sets how many seconds to wait)");
  }

  private static String holder(Path lockFile) {
    try {
      String s = Files.readString(lockFile).trim();
      return s.isEmpty() ? "an unknown process" : shown(s);
    } catch (IOException e) {
      return "an unknown process";
    }
  }

  /**
   * The body of {@code from} into {@code blob}: written to {@code <blob>.incomplete} (resumed
   * from its length with Range when one is there), no byte beyond the announced size, and moved
   * into place only with the announced size and, for an LFS file, the sha256 its ETag names.
   */
  private void downloadBlob(HubHttp http, URI from, Path blob, long size, String etag)
      throws IOException, HubIoException {
    Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
    long have = Files.isRegularFile(part) ? Files.size(part) : 0;
    if (have > 0 && (size < 0 || have >= size)) {
      // only a shorter prefix of a known size can be resumed
      Files.delete(part);
      have = 0;
    }
    HttpURLConnection c = http.get(from, have);
    try {
      if (have > 0 && !resumes(c, have)) {
        c.disconnect();
        Files.delete(part);
        have = 0;
        c = http.get(from, 0);
      }
      String shownFrom = HubHttp.shown(from);
      long length = c.getContentLengthLong();
      long total = size >= 0 ? size : length;
      if (total < 0) {
        throw new HubIoException("neither the HEAD nor the GET of " + shownFrom + " announced a "
            + "size (X-Linked-Size, Content-Length), so a body cut short could not be told from a "
            + "complete one");
      }
      if (length >= 0 && have + length != total) {
        Files.deleteIfExists(part);
        throw new HubIoException("GET " + shownFrom + " announced " + (have + length)
            + " bytes but the file has " + total);
      }
      MessageDigest sha = SHA256.matcher(etag).matches() ? sha256() : null;
      if (sha != null && have > 0) {
        try (InputStream earlier = Files.newInputStream(part)) {
          update(sha, earlier);
        }
      }
      OpenOption[] mode = have > 0
          ? new OpenOption[] {StandardOpenOption.WRITE, StandardOpenOption.APPEND}
          : new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING};
      boolean tooLong = false;
      // The read timeout ends a body that stops; a body dripped just faster than it would hold
      // the lock for ever, so each timeout period must also bring MIN_PROGRESS bytes.
      long period = TimeUnit.MILLISECONDS.toNanos(http.downloadTimeoutMillis());
      long periodStart = System.nanoTime();
      long periodBytes = 0;
      try (InputStream body = c.getInputStream(); OutputStream out = Files.newOutputStream(part, mode)) {
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = body.read(buffer)) != -1; ) {
          if (have + n > total) {
            tooLong = true;
            break;
          }
          out.write(buffer, 0, n);
          if (sha != null) {
            sha.update(buffer, 0, n);
          }
          have += n;
          periodBytes += n;
          long now = System.nanoTime();
          if (now - periodStart >= period) {
            if (periodBytes < MIN_PROGRESS) {
              throw new HubIoException("less than " + MIN_PROGRESS / 1024 + " KiB in "
                  + HubHttp.seconds(http.downloadTimeoutMillis()) + " s (HF_HUB_DOWNLOAD_TIMEOUT) from "
                  + shownFrom + " after " + have + " of " + total + " bytes; the next attempt "
                  + "resumes from there");
            }
            periodStart = now;
            periodBytes = 0;
          }
        }
      } catch (SocketTimeoutException e) {
        throw new HubIoException("no data for " + HubHttp.seconds(http.downloadTimeoutMillis())
            + " s (HF_HUB_DOWNLOAD_TIMEOUT) from " + shownFrom + " after " + have + " of " + total
            + " bytes; the next attempt resumes from there", e);
      } catch (IOException e) {
        throw new HubIoException("the download of " + shownFrom + " broke off after " + have
            + " of " + total + " bytes (" + e + "); the next attempt resumes from there", e);
      }
      if (tooLong) {
        Files.deleteIfExists(part);
        throw new HubIoException(shownFrom + " sent more than the " + total + " bytes announced; "
            + "the download is discarded");
      }
      if (have < total) {
        throw new HubIoException("got " + have + " of " + total + " bytes from " + shownFrom
            + " before the body ended; the next attempt resumes from there");
      }
      if (sha != null && !HexFormat.of().formatHex(sha.digest()).equals(etag)) {
        Files.deleteIfExists(part);
        throw new HubIoException("the sha256 of the " + total + " bytes from " + shownFrom
            + " is not " + etag + " (its ETag); the download is discarded");
      }
      try {
        Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      c.disconnect();
    }
  }

  /** Whether a ranged GET answered with the bytes from {@code have} on (206 and Content-Range). */
  private static boolean resumes(HttpURLConnection c, long have) throws HubIoException {
    try {
      String range = c.getHeaderField("Content-Range");
      return c.getResponseCode() == 206 && range != null
          && range.trim().startsWith("bytes " + have + "-");
    } catch (IOException e) {
      throw new HubIoException("a ranged GET failed: " + e, e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void update(MessageDigest sha, InputStream in) throws IOException {
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) != -1; ) {
      sha.update(buffer, 0, n);
    }
  }

  /** snapshots/&lt;commit&gt;/&lt;file&gt; as a relative symlink to the blob (a copy where links fail). */
  private static void linkSnapshot(Path link, Path blob) throws IOException {
    if (Files.exists(link)) {
      return;
    }
    Files.createDirectories(link.getParent());
    if (Files.isSymbolicLink(link)) {
      Files.delete(link); // dangling: its blob was removed
    }
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
      Path ref = inside(repoDir, repoDir.resolve("refs").resolve(revision));
      Files.createDirectories(ref.getParent());
      Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
      Files.writeString(tmp, commit);
      Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | HubIoException e) {
      LOG.warn("Could not record refs/{} -> {} in {}: {}", revision, commit, repoDir, e.toString());
    }
  }

  /**
   * The snapshot for a revision from the cache alone (refs/ for branches and tags); a refs file
   * that does not hold a commit is an error, never a path to follow.
   */
  static Optional<Path> cachedSnapshot(Path repoDir, String repoId, String revision) {
    checkRevision(revision);
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
      if (!COMMIT.matcher(commit).matches()) {
        throw new Model2VecException("the cache file " + ref + " holds '" + shown(commit)
            + "', which is not a commit (40 hex characters); delete it to download again");
      }
    }
    Path snap = repoDir.resolve("snapshots").resolve(commit);
    return Files.isDirectory(snap) ? Optional.of(snap) : Optional.empty();
  }

  /** The tensors and the tokenizer beside them (flat or in 0_StaticEmbedding/). */
  private static boolean complete(Path dir) {
    return Files.isRegularFile(dir.resolve("model.safetensors"))
        && Files.isRegularFile(dir.resolve("tokenizer.json"))
        || Files.isRegularFile(dir.resolve("0_StaticEmbedding/model.safetensors"))
        && Files.isRegularFile(dir.resolve("0_StaticEmbedding/tokenizer.json"));
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String encodePath(String path) {
    StringBuilder b = new StringBuilder();
    for (String segment : path.split("/")) {
      b.append(b.length() == 0 ? "" : "/").append(encode(segment));
    }
    return b.toString();
  }

  /** A value from a user or a server, for a one-line message: control characters escaped, cut at 120. */
  static String shown(String value) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < value.length() && b.length() < 120; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.length() >= 120 ? b + "..." : b.toString();
  }

  /** This host's name, looked up once, for the lock file. */
  private static final class Host {
    static final String NAME = lookup();

    private static String lookup() {
      String env = System.getenv("HOSTNAME");
      if (env != null && !env.isBlank()) {
        return env.trim();
      }
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "unknown";
      }
    }
  }

  /** The hub could not be used (network, configuration, or an answer that breaks the protocol). */
  static final class HubIoException extends Exception {
    private static final long serialVersionUID = 1L;

    HubIoException(String message) {
      super(message);
    }

    HubIoException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
