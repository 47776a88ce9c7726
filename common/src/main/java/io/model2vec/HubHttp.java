package io.model2vec;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The hub client's HTTP: every redirect is handled here rather than by the HTTP library, so that
 * the token goes only to the endpoint's origin (scheme, host and port), only http and https URLs
 * are followed, and a loop ends after {@value #MAX_REDIRECTS} hops. Every read has a timeout:
 * {@code HF_HUB_ETAG_TIMEOUT} for the metadata requests, {@code HF_HUB_DOWNLOAD_TIMEOUT} for
 * each read of a download (a server that stops sending fails instead of hanging).
 */
final class HubHttp {
  static final int MAX_REDIRECTS = 10;
  static final String USER_AGENT = Version.userAgent();

  private final URI endpoint;
  private final String token;
  private final int etagTimeoutMillis;
  private final int downloadTimeoutMillis;

  HubHttp(URI endpoint, String token, int etagTimeoutMillis, int downloadTimeoutMillis) {
    this.endpoint = endpoint;
    this.token = token;
    this.etagTimeoutMillis = etagTimeoutMillis;
    this.downloadTimeoutMillis = downloadTimeoutMillis;
  }

  /** The hub's answer to a HEAD: status and the headers the client uses. */
  static final class Head {
    final URI uri;
    final int status;
    final String commit;
    final String etag;
    final String errorCode;
    /** X-Linked-Size, or Content-Length of a 2xx answer; -1 when neither is there. */
    final long size;
    /** Where to download from: the Location of a redirect that carries the hub's headers. */
    final URI location;

    Head(URI uri, int status, String commit, String etag, String errorCode, long size, URI location) {
      this.uri = uri;
      this.status = status;
      this.commit = commit;
      this.etag = etag;
      this.errorCode = errorCode;
      this.size = size;
      this.location = location;
    }
  }

  /**
   * A HEAD of {@code uri}. As huggingface_hub does, redirects that stay on the endpoint's origin
   * (a renamed repository) are followed; a redirect that carries X-Repo-Commit is the answer (the
   * hub's 302 to its CDN for LFS files: its Location is where the body is).
   */
  Head head(URI uri) throws HubIoException {
    URI current = uri;
    for (int hops = 0; hops <= MAX_REDIRECTS; hops++) {
      HttpURLConnection c = open("HEAD", current, -1, etagTimeoutMillis);
      try {
        int status = status(c, current, "HF_HUB_ETAG_TIMEOUT", etagTimeoutMillis);
        String commit = c.getHeaderField("X-Repo-Commit");
        boolean redirect = status / 100 == 3;
        URI location = redirect && c.getHeaderField("Location") != null
            ? location(c, current) : null;
        if (redirect && commit == null) {
          if (location == null) {
            throw new HubIoException("HTTP " + status + " without a Location header for HEAD "
                + shown(current));
          }
          if (!sameOrigin(location, endpoint)) {
            throw new HubIoException("HEAD " + shown(current) + " was redirected to another "
                + "origin (" + origin(location) + ") without the hub's X-Repo-Commit header; the "
                + "redirect is not followed");
          }
          current = location;
          continue;
        }
        String etag = c.getHeaderField("X-Linked-Etag");
        if (etag == null) {
          etag = c.getHeaderField("ETag");
        }
        long size = size(c, current, status);
        return new Head(current, status, commit, etag, c.getHeaderField("X-Error-Code"), size,
            location);
      } finally {
        c.disconnect();
      }
    }
    throw tooManyRedirects("HEAD", uri);
  }

  private static long size(HttpURLConnection c, URI uri, int status) throws HubIoException {
    String linked = c.getHeaderField("X-Linked-Size");
    // a redirect's Content-Length is the length of the redirect's own body, not the file's
    String value = linked != null ? linked
        : status / 100 == 2 ? c.getHeaderField("Content-Length") : null;
    if (value == null) {
      return -1;
    }
    try {
      long n = Long.parseLong(value.trim());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new HubIoException("HEAD " + shown(uri) + " answered with an unusable "
        + (linked != null ? "X-Linked-Size" : "Content-Length") + " '" + HubClient.shown(value) + "'");
  }

  /**
   * A GET of {@code uri} from byte {@code from} on (a {@code Range} request when it is not 0),
   * following redirects by hand; the answer is a 2xx whose body the caller reads and closes.
   */
  HttpURLConnection get(URI uri, long from) throws HubIoException {
    URI current = uri;
    for (int hops = 0; hops <= MAX_REDIRECTS; hops++) {
      HttpURLConnection c = open("GET", current, from, downloadTimeoutMillis);
      boolean keep = false;
      try {
        int status = status(c, current, "HF_HUB_DOWNLOAD_TIMEOUT", downloadTimeoutMillis);
        if (status / 100 == 3) {
          if (c.getHeaderField("Location") == null) {
            throw new HubIoException("HTTP " + status + " without a Location header for GET "
                + shown(current));
          }
          current = location(c, current);
          continue;
        }
        if (status / 100 != 2) {
          throw new HubIoException("HTTP " + status + " for GET " + shown(current));
        }
        keep = true;
        return c;
      } finally {
        if (!keep) {
          c.disconnect();
        }
      }
    }
    throw tooManyRedirects("GET", uri);
  }

  private HttpURLConnection open(String method, URI uri, long from, int timeoutMillis)
      throws HubIoException {
    try {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setInstanceFollowRedirects(false);
      c.setUseCaches(false);
      c.setConnectTimeout(timeoutMillis);
      c.setReadTimeout(timeoutMillis);
      c.setRequestMethod(method);
      c.setRequestProperty("User-Agent", USER_AGENT);
      // sizes are compared with the body's: no transparent compression
      c.setRequestProperty("Accept-Encoding", "identity");
      if (from > 0) {
        c.setRequestProperty("Range", "bytes=" + from + "-");
      }
      if (token != null && sameOrigin(uri, endpoint)) {
        c.setRequestProperty("Authorization", "Bearer " + token);
      }
      return c;
    } catch (IOException | IllegalArgumentException e) {
      throw new HubIoException("cannot request " + shown(uri) + ": " + e.getMessage(), e);
    }
  }

  private static int status(HttpURLConnection c, URI uri, String timeoutVariable, int timeoutMillis)
      throws HubIoException {
    try {
      return c.getResponseCode();
    } catch (SocketTimeoutException e) {
      throw new HubIoException(c.getRequestMethod() + " " + shown(uri) + " timed out after "
          + seconds(timeoutMillis) + " s (" + timeoutVariable + ")", e);
    } catch (IOException e) {
      throw new HubIoException(c.getRequestMethod() + " " + shown(uri) + " failed: " + e, e);
    }
  }

  /** The Location of a redirect, resolved against {@code base}; only http and https. */
  private static URI location(HttpURLConnection c, URI base) throws HubIoException {
    String value = c.getHeaderField("Location");
    URI target;
    try {
      if (value.isBlank()) {
        throw new URISyntaxException(value, "empty");
      }
      target = base.resolve(new URI(value.trim()));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new HubIoException(shown(base) + " redirected to a malformed Location header '"
          + HubClient.shown(value) + "'", e);
    }
    String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new HubIoException(shown(base) + " redirected to a " + (scheme.isEmpty()
          ? "Location header without a scheme" : scheme + ": Location header")
          + ", which is not followed (only http and https)");
    }
    if (target.getHost() == null) {
      throw new HubIoException(shown(base) + " redirected to a Location header without a host");
    }
    return target;
  }

  private static HubIoException tooManyRedirects(String method, URI uri) {
    return new HubIoException("too many redirects (more than " + MAX_REDIRECTS + ") for "
        + method + " " + shown(uri));
  }

  boolean hasToken() {
    return token != null;
  }

  int downloadTimeoutMillis() {
    return downloadTimeoutMillis;
  }

  static boolean sameOrigin(URI a, URI b) {
    return a.getScheme() != null && b.getScheme() != null
        && a.getScheme().equalsIgnoreCase(b.getScheme())
        && a.getHost() != null && b.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    if (u.getPort() != -1) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  private static String origin(URI u) {
    return u.getScheme() + "://" + u.getHost() + (u.getPort() == -1 ? "" : ":" + u.getPort());
  }

  /** A URL for messages: no user info, query or fragment (a CDN's signed query is a secret). */
  static String shown(URI u) {
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    return HubClient.shown(origin(u) + path);
  }

  static String seconds(int millis) {
    return millis % 1000 == 0 ? Integer.toString(millis / 1000) : Double.toString(millis / 1000.0);
  }
}
