package io.model2vec;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub client's configuration, from an environment ({@link Settings}' HF_* variables and
 * {@code MODEL2VEC_HUB_LOCK_TIMEOUT}): the cache folder, offline mode, the endpoint, the timeouts
 * and the token. A bad endpoint or timeout is kept as {@link #problem()} rather than thrown: an
 * offline load or a cached snapshot does not depend on them.
 */
final class HubConfig {
  private static final Logger LOG = LoggerFactory.getLogger(HubConfig.class);
  static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  private final Map<String, String> env;
  private final Path cache;
  private final boolean offline;
  /** The endpoint for messages (never with user info); a bad HF_ENDPOINT is shown by name. */
  private final String endpointShown;
  private final URI endpoint;
  private final int etagTimeoutMillis;
  private final int downloadTimeoutMillis;
  private final long lockTimeoutMillis;
  private final long maxDownloadBytes;
  /** The first configuration problem (HF_ENDPOINT, a timeout), reported when the network is needed. */
  private final String problem;

  HubConfig(Map<String, String> env) {
    this.env = env;
    this.cache = cacheDir(env).toAbsolutePath().normalize();
    this.offline = Settings.HF_HUB_OFFLINE.get(env);
    String firstProblem = null;
    URI e = null;
    try {
      e = Settings.HF_ENDPOINT.get(env);
    } catch (IllegalArgumentException x) {
      firstProblem = x.getMessage();
    }
    this.endpoint = e;
    this.endpointShown = e == null ? "HF_ENDPOINT" : HubHttp.shown(e);
    List<Settings.Setting<Long>> timeouts = List.of(Settings.HF_HUB_ETAG_TIMEOUT,
        Settings.HF_HUB_DOWNLOAD_TIMEOUT, Settings.HUB_LOCK_TIMEOUT,
        Settings.HUB_MAX_DOWNLOAD_BYTES);
    long[] t = new long[timeouts.size()];
    for (int i = 0; i < t.length; i++) {
      try {
        t[i] = timeouts.get(i).get(env);
      } catch (IllegalArgumentException x) {
        t[i] = timeouts.get(i).defaultValue();
        firstProblem = firstProblem != null ? firstProblem : x.getMessage();
      }
    }
    this.etagTimeoutMillis = (int) t[0];
    this.downloadTimeoutMillis = (int) t[1];
    this.lockTimeoutMillis = t[2];
    this.maxDownloadBytes = t[3];
    this.problem = firstProblem;
  }

  /** $HF_HUB_CACHE, else $HF_HOME/hub. */
  static Path cacheDir(Map<String, String> env) {
    String hubCache = Settings.HF_HUB_CACHE.get(env);
    if (hubCache != null) {
      return Paths.get(hubCache);
    }
    return hfHome(env).resolve("hub");
  }

  private static Path hfHome(Map<String, String> env) {
    String home = Settings.HF_HOME.get(env);
    if (home != null) {
      return Paths.get(home);
    }
    String xdg = Settings.XDG_CACHE_HOME.get(env);
    Path base = xdg != null ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
    return base.resolve("huggingface");
  }

  /** HF_ENDPOINT's parser: an http or https URL without user info, query or fragment. */
  static URI endpoint(String value) {
    String v = value.replaceAll("/+$", "");
    // a URL with user:password@ is not shown: the password would be in the message
    String shownValue = v.contains("@") ? "(not shown: it holds user info)"
        : "'" + HubClient.shown(v) + "'";
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

  Path cache() {
    return cache;
  }

  boolean offline() {
    return offline;
  }

  URI endpoint() {
    return endpoint;
  }

  String endpointShown() {
    return endpointShown;
  }

  int etagTimeoutMillis() {
    return etagTimeoutMillis;
  }

  int downloadTimeoutMillis() {
    return downloadTimeoutMillis;
  }

  long lockTimeoutMillis() {
    return lockTimeoutMillis;
  }

  /** MODEL2VEC_HUB_MAX_DOWNLOAD_BYTES: the largest file a download may bring. */
  long maxDownloadBytes() {
    return maxDownloadBytes;
  }

  /** The first problem of the endpoint or a timeout, or null. */
  String problem() {
    return problem;
  }

  /**
   * The token: the options', else HF_TOKEN, else the token file huggingface-cli writes; trimmed.
   * Errors name where it came from, never the token.
   */
  String token(LoadOptions options) throws HubIoException {
    String t = options.token() == null || options.token().isBlank() ? null : options.token().trim();
    String source = "the token passed in LoadOptions";
    if (t == null) {
      t = Settings.HF_TOKEN.get(env);
      source = "HF_TOKEN";
    }
    if (t == null) {
      String path = Settings.HF_TOKEN_PATH.get(env);
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
}
