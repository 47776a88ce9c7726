package io.model2vec;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on a loopback address that answers like the HuggingFace hub:
 * {@code /{repo}/resolve/{revision}/{file}} with X-Repo-Commit and ETag headers, a 302 to a
 * "CDN" path (with X-Linked-Etag and X-Linked-Size) for safetensors files as the hub does for LFS
 * files, 404s with X-Error-Code, 401 for a private repository without the right token, and
 * {@code Range: bytes=N-} requests answered with 206.
 *
 * <p>Hostile modes, for the client's defences: the CDN (or every GET) on another origin
 * ({@link #lfsOn}, {@link #getsOn}), bodies that are cut short, larger than announced, corrupt or
 * dripped a byte at a time ({@link #fault}), and a {@link #trap} that answers chosen requests
 * with anything at all.
 */
final class HubTestServer implements AutoCloseable {
  static final class Repo {
    final String id;
    final String commit;
    final Map<String, String> refs = new HashMap<>();
    /** Repository path -> local file. */
    final Map<String, Path> files = new HashMap<>();
    String token;

    Repo(String id, String commit) {
      this.id = id;
      this.commit = commit;
      refs.put("main", commit);
    }

    Repo file(String path, Path local) {
      files.put(path, local);
      return this;
    }

    /** Adds every regular file of {@code folder} under {@code prefix}. */
    Repo folder(String prefix, Path folder) throws IOException {
      try (var s = Files.walk(folder)) {
        for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
          files.put(prefix + folder.relativize(p).toString().replace('\\', '/'), p);
        }
      }
      return this;
    }
  }

  /** How a GET body goes wrong. */
  enum Fault {
    /** Half the bytes, chunked (no Content-Length), and a clean end: looks complete. */
    CUT_SHORT,
    /** Content-Length announced, half the bytes sent, then the connection closes. */
    BROKEN_OFF,
    /** The file, then megabytes more, chunked (no Content-Length). */
    OVERSIZED,
    /** The right size with one byte changed. */
    CORRUPT,
    /** One byte every {@link #dripMillis}, chunked. */
    DRIP
  }

  /** Answers a request itself when it returns true. */
  interface Trap {
    boolean answer(HttpExchange ex, String method, String path) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final String host;
  private volatile boolean closed;
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, Path> cdn = new ConcurrentHashMap<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final List<String> userAgents = new CopyOnWriteArrayList<>();
  final List<String> ranges = new CopyOnWriteArrayList<>();
  final AtomicInteger gets = new AtomicInteger();
  /** Where LFS files are served from (this server unless set): the hub's CDN is another host. */
  volatile HubTestServer lfsOn;
  /** When set, every GET of a resolve URL is redirected to this server's CDN path. */
  volatile HubTestServer getsOn;
  volatile Fault fault;
  /** How many GET bodies whose path contains {@link #faultPath} the fault spoils. */
  final AtomicInteger faults = new AtomicInteger();
  /** The CDN path, where LFS files (model.safetensors) are downloaded from. */
  volatile String faultPath = "/cdn/";
  volatile Trap trap;
  volatile long dripMillis = 2000;

  HubTestServer() throws IOException {
    this("127.0.0.1");
  }

  /** A server on another loopback address (127.0.0.2) is another origin. */
  HubTestServer(String host) throws IOException {
    this.host = host;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://" + host + ":" + server.getAddress().getPort();
  }

  Repo add(String id, String commit) {
    Repo r = new Repo(id, commit);
    repos.put(id, r);
    return r;
  }

  /** Serves {@code file} under /cdn/{name}. */
  String serveOnCdn(String name, Path file) {
    cdn.put(name, file);
    return endpoint() + "/cdn/" + name;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
      requests.add(method + " " + path);
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      authorizations.add(auth == null ? "" : auth);
      userAgents.add(String.valueOf(ex.getRequestHeaders().getFirst("User-Agent")));
      String range = ex.getRequestHeaders().getFirst("Range");
      if (range != null) {
        ranges.add(range);
      }
      if (method.equals("GET")) {
        gets.incrementAndGet();
      }
      Trap t = trap;
      if (t != null && t.answer(ex, method, path)) {
        return;
      }
      if (path.startsWith("/cdn/")) {
        Path f = cdn.get(path.substring(5));
        ex.getResponseHeaders().add("ETag", "\"cdn-" + path.substring(5, Math.min(15, path.length())) + "\"");
        send(ex, method, f == null ? 404 : 200, f, path);
        return;
      }
      int resolve = path.indexOf("/resolve/");
      if (resolve < 0) {
        send(ex, method, 404, null, path);
        return;
      }
      Repo repo = repos.get(path.substring(1, resolve));
      if (repo == null) {
        ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
        send(ex, method, 404, null, path);
        return;
      }
      if (repo.token != null && !("Bearer " + repo.token).equals(auth)) {
        send(ex, method, 401, null, path);
        return;
      }
      String rest = path.substring(resolve + "/resolve/".length());
      String commit = null;
      String file = null;
      // revisions may contain '/', e.g. refs/pr/1: try the longest known revision prefix
      for (Map.Entry<String, String> ref : repo.refs.entrySet()) {
        if (rest.startsWith(ref.getKey() + "/")) {
          commit = ref.getValue();
          file = rest.substring(ref.getKey().length() + 1);
        }
      }
      for (String sha : repo.refs.values()) {
        if (commit == null && rest.startsWith(sha + "/")) {
          commit = sha;
          file = rest.substring(sha.length() + 1);
        }
      }
      if (commit == null) {
        ex.getResponseHeaders().add("X-Error-Code", "RevisionNotFound");
        send(ex, method, 404, null, path);
        return;
      }
      Path local = repo.files.get(file);
      ex.getResponseHeaders().add("X-Repo-Commit", commit);
      if (local == null) {
        ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
        send(ex, method, 404, null, path);
        return;
      }
      String etag = sha256(local);
      if (file.endsWith(".safetensors")) {
        HubTestServer on = lfsOn != null ? lfsOn : this;
        ex.getResponseHeaders().add("X-Linked-Etag", "\"" + etag + "\"");
        ex.getResponseHeaders().add("X-Linked-Size", Long.toString(Files.size(local)));
        ex.getResponseHeaders().add("Location", on.serveOnCdn(etag, local));
        ex.sendResponseHeaders(302, -1);
        return;
      }
      ex.getResponseHeaders().add("ETag", "\"" + etag.substring(0, 40) + "\"");
      HubTestServer on = getsOn;
      if (on != null && method.equals("GET")) {
        ex.getResponseHeaders().add("Location", on.serveOnCdn(etag, local));
        ex.sendResponseHeaders(302, -1);
        return;
      }
      if (method.equals("HEAD")) {
        // what the hub sends for a small file: its size, no body
        ex.getResponseHeaders().add("Content-Length", Long.toString(Files.size(local)));
      }
      send(ex, method, 200, local, path);
    }
  }

  private void send(HttpExchange ex, String method, int status, Path body, String path)
      throws IOException {
    if (body == null || method.equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    byte[] bytes = Files.readAllBytes(body);
    Fault f = fault;
    if (f != null && path.contains(faultPath) && faults.getAndDecrement() > 0) {
      spoil(ex, f, bytes);
      return;
    }
    int from = 0;
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null && range.matches("bytes=\\d+-") && status == 200) {
      from = Integer.parseInt(range.substring(6, range.length() - 1));
      ex.getResponseHeaders().add("Content-Range",
          "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
      status = 206;
    }
    ex.sendResponseHeaders(status, bytes.length - from);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes, from, bytes.length - from);
    }
  }

  private void spoil(HttpExchange ex, Fault f, byte[] bytes) throws IOException {
    switch (f) {
      case CUT_SHORT:
        ex.sendResponseHeaders(200, 0);
        try (OutputStream out = ex.getResponseBody()) {
          out.write(bytes, 0, bytes.length / 2);
        }
        return;
      case BROKEN_OFF:
        ex.sendResponseHeaders(200, bytes.length);
        OutputStream out = ex.getResponseBody();
        out.write(bytes, 0, bytes.length / 2);
        out.flush();
        // closing the exchange with bytes missing makes the server drop the connection
        return;
      case OVERSIZED:
        ex.sendResponseHeaders(200, 0);
        try (OutputStream o = ex.getResponseBody()) {
          o.write(bytes);
          byte[] more = new byte[1 << 20];
          for (int i = 0; i < 64 && !closed; i++) {
            o.write(more);
          }
        } catch (IOException e) {
          // the client hung up, as it should
        }
        return;
      case CORRUPT:
        byte[] copy = bytes.clone();
        copy[copy.length / 2] ^= 1;
        ex.sendResponseHeaders(200, copy.length);
        try (OutputStream o = ex.getResponseBody()) {
          o.write(copy);
        }
        return;
      case DRIP:
        ex.sendResponseHeaders(200, 0);
        try (OutputStream o = ex.getResponseBody()) {
          for (int i = 0; i < bytes.length && !closed; i++) {
            o.write(bytes[i]);
            o.flush();
            sleep(dripMillis);
          }
        } catch (IOException e) {
          // the client gave up, as it should
        }
        return;
      default:
        throw new IllegalStateException(f.toString());
    }
  }

  private void sleep(long millis) {
    long end = System.currentTimeMillis() + millis;
    while (!closed && System.currentTimeMillis() < end) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Answers with {@code status} and the headers given as name, value, name, value... */
  static boolean answer(HttpExchange ex, int status, String... headers) throws IOException {
    for (int i = 0; i < headers.length; i += 2) {
      ex.getResponseHeaders().add(headers[i], headers[i + 1]);
    }
    ex.sendResponseHeaders(status, -1);
    return true;
  }

  static String sha256(Path p) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    closed = true;
    server.stop(0);
    executor.shutdownNow();
  }
}
