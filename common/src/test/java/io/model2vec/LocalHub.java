package io.model2vec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * For the engine modules' tests: a {@link HubTestServer} on 127.0.0.1 serving model folders as
 * hub repositories, with this JVM's hub client pointed at it (and at a cache of the test's own)
 * until {@link #close()}.
 */
public final class LocalHub implements AutoCloseable {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private final HubTestServer server;
  private final HubTestServer cdn;

  private LocalHub(HubTestServer server, HubTestServer cdn) {
    this.server = server;
    this.cdn = cdn;
  }

  /** Serves {@code repos} (repo id -> model folder) and downloads into {@code cache}. */
  public static LocalHub serve(Map<String, Path> repos, Path cache) throws IOException {
    HubTestServer server = new HubTestServer();
    for (Map.Entry<String, Path> e : repos.entrySet()) {
      server.add(e.getKey(), COMMIT).folder("", e.getValue());
    }
    HubClient.environmentOverride = Map.of("HF_ENDPOINT", server.endpoint(),
        "HF_HUB_CACHE", cache.toString(), "HF_HOME", cache.resolve("home").toString());
    return new LocalHub(server, null);
  }

  /**
   * Serves {@code repos} as private repositories that need {@code token} (which HF_TOKEN holds,
   * with a trailing newline as a pasted token has), with their safetensors files on a CDN at
   * another origin (127.0.0.2), as the hub does.
   */
  public static LocalHub servePrivate(Map<String, Path> repos, Path cache, String token)
      throws IOException {
    HubTestServer server = new HubTestServer();
    HubTestServer cdn = new HubTestServer("127.0.0.2");
    server.lfsOn = cdn;
    for (Map.Entry<String, Path> e : repos.entrySet()) {
      server.add(e.getKey(), COMMIT).folder("", e.getValue()).token = token;
    }
    Map<String, String> env = new HashMap<>();
    env.put("HF_ENDPOINT", server.endpoint());
    env.put("HF_HUB_CACHE", cache.toString());
    env.put("HF_HOME", cache.resolve("home").toString());
    env.put("HF_TOKEN", token + "\n");
    HubClient.environmentOverride = Map.copyOf(env);
    return new LocalHub(server, cdn);
  }

  /** Requests the server has answered, as "METHOD /path". */
  public List<String> requests() {
    return server.requests;
  }

  /** The Authorization header of each request to the hub ("" when there was none). */
  public List<String> authorizations() {
    return server.authorizations;
  }

  /** Requests the CDN on the other origin has answered (for {@link #servePrivate}). */
  public List<String> cdnRequests() {
    return cdn == null ? List.of() : cdn.requests;
  }

  /** The Authorization header of each request to the CDN ("" when there was none). */
  public List<String> cdnAuthorizations() {
    return cdn == null ? List.of() : cdn.authorizations;
  }

  @Override
  public void close() {
    HubClient.environmentOverride = null;
    server.close();
    if (cdn != null) {
      cdn.close();
    }
  }
}
