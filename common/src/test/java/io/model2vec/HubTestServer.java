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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 that answers like the HuggingFace hub:
 * {@code /{repo}/resolve/{revision}/{file}} with X-Repo-Commit and ETag headers, a 302 to a
 * "CDN" path (with X-Linked-Etag) for safetensors files as the hub does for LFS files, 404s with
 * X-Error-Code, and 401 for a private repository without the right token.
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

  private final HttpServer server;
  private final Map<String, Repo> repos = new ConcurrentHashMap<>();
  private final Map<String, Path> cdn = new ConcurrentHashMap<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final List<String> authorizations = new CopyOnWriteArrayList<>();
  final AtomicInteger gets = new AtomicInteger();

  HubTestServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  Repo add(String id, String commit) {
    Repo r = new Repo(id, commit);
    repos.put(id, r);
    return r;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
      requests.add(method + " " + path);
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      authorizations.add(auth == null ? "" : auth);
      if (method.equals("GET")) {
        gets.incrementAndGet();
      }
      if (path.startsWith("/cdn/")) {
        Path f = cdn.get(path.substring(5));
        ex.getResponseHeaders().add("ETag", "\"cdn-" + path.substring(5, 15) + "\"");
        send(ex, method, f == null ? 404 : 200, f);
        return;
      }
      int resolve = path.indexOf("/resolve/");
      if (resolve < 0) {
        send(ex, method, 404, null);
        return;
      }
      Repo repo = repos.get(path.substring(1, resolve));
      if (repo == null) {
        ex.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
        send(ex, method, 404, null);
        return;
      }
      if (repo.token != null && !("Bearer " + repo.token).equals(auth)) {
        send(ex, method, 401, null);
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
        send(ex, method, 404, null);
        return;
      }
      Path local = repo.files.get(file);
      ex.getResponseHeaders().add("X-Repo-Commit", commit);
      if (local == null) {
        ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
        send(ex, method, 404, null);
        return;
      }
      String etag = sha256(local);
      if (file.endsWith(".safetensors")) {
        cdn.put(etag, local);
        ex.getResponseHeaders().add("X-Linked-Etag", "\"" + etag + "\"");
        ex.getResponseHeaders().add("Location", endpoint() + "/cdn/" + etag);
        ex.sendResponseHeaders(302, -1);
        return;
      }
      ex.getResponseHeaders().add("ETag", "\"" + etag.substring(0, 40) + "\"");
      send(ex, method, 200, local);
    }
  }

  private static void send(HttpExchange ex, String method, int status, Path body) throws IOException {
    if (body == null || method.equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, Files.size(body));
    try (OutputStream out = ex.getResponseBody()) {
      Files.copy(body, out);
    }
  }

  private static String sha256(Path p) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
