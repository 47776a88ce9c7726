package io.model2vec;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a model repository from the HuggingFace hub into the cache layout of Python's
 * huggingface_hub, so that the two share one cache. The jobs are split: {@link HubConfig} reads
 * the environment ({@code HF_ENDPOINT}, {@code HF_TOKEN} or {@code $HF_HOME/token},
 * {@code HF_HUB_CACHE}/{@code HF_HOME}, {@code HF_HUB_OFFLINE}, {@code HF_HUB_ETAG_TIMEOUT},
 * {@code HF_HUB_DOWNLOAD_TIMEOUT}, {@code MODEL2VEC_HUB_LOCK_TIMEOUT}; see {@link Settings}),
 * {@link HubHttp} speaks HTTP (redirects, the token, timeouts), {@link HubCache} owns the layout
 * (snapshots, refs, blobs written whole) and {@link HubLocks} the locks of executors sharing a
 * cache. This class decides which files a model needs and what a HEAD answer must hold.
 *
 * <p>What a server says is not trusted (the order of checks follows huggingface_hub's
 * {@code file_download.py}): a commit must be 40 hex characters, an ETag a plain file name, a
 * revision a ref name, and every path is checked to be inside the repository's cache folder
 * before it is touched.
 */
final class HubClient {
  private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);

  /** Tests point the default environment elsewhere; {@code null} means the real one. */
  static volatile Map<String, String> environmentOverride;

  private final HubConfig config;

  HubClient(Map<String, String> env) {
    this.config = new HubConfig(env);
  }

  static HubClient fromEnvironment() {
    Map<String, String> o = environmentOverride;
    return new HubClient(o != null ? o : System.getenv());
  }

  /**
   * The local snapshot folder of {@code repoId} at the options' revision, downloading what is
   * missing; verified to be what this cache made before it is returned.
   */
  Path snapshot(String repoId, LoadOptions options) {
    Path snap = locate(repoId, options);
    return new HubCache(config.cache(), repoId).verified(snap);
  }

  /**
   * {@link #snapshot} with {@code file} (beside the model files, in the options' subfolder)
   * downloaded into it as well: a classifier pipeline's {@code pipeline.skops}. Offline, or when
   * the hub has no such file, the snapshot is returned as it is and the caller names what is
   * missing.
   */
  Path snapshotWith(String repoId, LoadOptions options, String file) {
    Path snap = snapshot(repoId, options);
    String prefix = HubCache.subfolderPrefix(options.subfolder());
    if (java.nio.file.Files.exists(snap.resolve(prefix + file)) || config.offline()) {
      return snap;
    }
    HubCache repo = new HubCache(config.cache(), repoId);
    try {
      if (config.problem() != null) {
        throw new HubIoException(config.problem());
      }
      HubHttp http = new HubHttp(config.endpoint(), config.token(options),
          config.etagTimeoutMillis(), config.downloadTimeoutMillis());
      // The snapshot folder is named by its commit: the file comes from the same commit.
      fetch(http, repoId, snap.getFileName().toString(), prefix + file, repo, false);
    } catch (HubIoException e) {
      throw new Model2VecException("could not download " + prefix + file + " of '" + repoId
          + "' from " + config.endpointShown() + ": " + e.getMessage(), e);
    }
    return repo.verified(snap);
  }

  private Path locate(String repoId, LoadOptions options) {
    if (repoId == null || !ModelResolver.isHubId(repoId)) {
      throw new IllegalArgumentException("repo id must be like org/name (letters, digits, '.', '_', "
          + "'-'), was '" + (repoId == null ? "null" : shown(repoId)) + "'");
    }
    String revision = HubCache.checkRevision(options.revision() == null ? "main" : options.revision());
    String prefix = HubCache.subfolderPrefix(options.subfolder());
    HubCache repo = new HubCache(config.cache(), repoId);
    if (config.offline()) {
      return repo.cachedSnapshot(revision)
          .orElseThrow(() -> new Model2VecException("model '" + repoId + "' (revision " + revision
              + ") is not in the HuggingFace cache at " + repo.repoDir() + " and HF_HUB_OFFLINE is "
              + "set, so it cannot be downloaded"));
    }
    try {
      if (config.problem() != null) {
        throw new HubIoException(config.problem());
      }
      HubHttp http = new HubHttp(config.endpoint(), config.token(options),
          config.etagTimeoutMillis(), config.downloadTimeoutMillis());
      return download(http, repoId, revision, prefix, repo);
    } catch (HubIoException e) {
      // As huggingface_hub does: when the hub cannot be used, a cached snapshot still serves.
      Optional<Path> cached;
      try {
        cached = repo.cachedSnapshot(revision);
      } catch (Model2VecException unusableRef) {
        cached = Optional.empty();
      }
      if (cached.isPresent() && HubCache.complete(cached.get().resolve(prefix))) {
        LOG.warn("Could not use {} ({}); using the cached snapshot {}", config.endpointShown(),
            e.getMessage(), cached.get());
        return cached.get();
      }
      throw new Model2VecException("could not download model '" + repoId + "' (revision "
          + revision + ") from " + config.endpointShown() + ": " + e.getMessage(), e);
    }
  }

  private Path download(HubHttp http, String repoId, String revision, String prefix, HubCache repo)
      throws HubIoException {
    // A snapshot of a commit sha never changes: if it is complete, no request is needed.
    if (HubCache.COMMIT.matcher(revision).matches()) {
      Path snap = repo.snapshot(revision);
      if (HubCache.complete(snap.resolve(prefix))) {
        return snap;
      }
    }
    // config.json (model2vec layout) or config_sentence_transformers.json; then the tensors and
    // tokenizer beside it, or in 0_StaticEmbedding/.
    String commit = null;
    Fetch config = fetch(http, repoId, revision, prefix + "config.json", repo, false);
    if (config == null) {
      config = fetch(http, repoId, revision, prefix + "config_sentence_transformers.json", repo, false);
    }
    if (config != null) {
      commit = config.commit;
    }
    String rev = commit != null ? commit : revision;
    Fetch tensors = fetch(http, repoId, rev, prefix + "model.safetensors", repo, false);
    String weightsPrefix = prefix;
    if (tensors == null) {
      weightsPrefix = prefix + "0_StaticEmbedding/";
      tensors = fetch(http, repoId, rev, weightsPrefix + "model.safetensors", repo, false);
    }
    if (tensors == null) {
      throw new Model2VecException("model '" + repoId + "' at revision " + revision + " has no "
          + prefix + "model.safetensors (nor " + prefix + "0_StaticEmbedding/model.safetensors) on "
          + this.config.endpointShown());
    }
    commit = commit != null ? commit : tensors.commit;
    Fetch tokenizer = fetch(http, repoId, commit, weightsPrefix + "tokenizer.json", repo, true);
    fetch(http, repoId, commit, prefix + "modules.json", repo, false);
    if (!commit.equals(revision)) {
      repo.writeRef(revision, commit);
    }
    LOG.info("Model {} revision {} (commit {}) is in {}", repoId, revision, commit,
        tokenizer.path.getParent());
    return repo.snapshot(commit);
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
  private Fetch fetch(HubHttp http, String repoId, String revision, String file, HubCache repo,
      boolean required) throws HubIoException {
    String endpointShown = config.endpointShown();
    URI uri = URI.create(config.endpoint() + "/" + repoId + "/resolve/" + encode(revision) + "/"
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
      if (!HubCache.COMMIT.matcher(revision).matches()) {
        throw new HubIoException(shownUri + " answered without an X-Repo-Commit header; is "
            + endpointShown + " a HuggingFace hub (HF_ENDPOINT)?");
      }
      commit = revision;
    }
    if (!HubCache.COMMIT.matcher(commit).matches()) {
      throw new HubIoException(shownUri + " answered with X-Repo-Commit '" + shown(commit)
          + "', which is not a commit (40 hex characters)");
    }
    if (head.etag == null) {
      throw new HubIoException(shownUri + " answered without an ETag; is " + endpointShown
          + " a HuggingFace hub (HF_ENDPOINT)?");
    }
    String etag = head.etag.trim().replaceFirst("^W/", "").replace("\"", "");
    Path blob = repo.blob(etag, shownUri, head.etag);
    Path link = repo.snapshotFile(commit, file);
    if (!HubCache.present(blob)) {
      repo.storeBlob(http, head.location != null ? head.location : uri, blob, head.size, etag,
          config.lockTimeoutMillis(), config.maxDownloadBytes());
    }
    try {
      repo.linkSnapshot(link, blob);
    } catch (IOException e) {
      throw new HubIoException("could not link " + link + " to " + blob + ": " + e, e);
    }
    return new Fetch(commit, link);
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
}
