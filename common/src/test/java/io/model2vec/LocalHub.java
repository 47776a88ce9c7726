package io.model2vec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * For the engine modules' tests: a {@link HubTestServer} on 127.0.0.1 serving model folders as
 * hub repositories, with this JVM's hub client pointed at it (and at a cache of the test's own)
 * until {@link #close()}.
 */
public final class LocalHub implements AutoCloseable {
  private final HubTestServer server;

  private LocalHub(HubTestServer server) {
    this.server = server;
  }

  /** Serves {@code repos} (repo id -> model folder) and downloads into {@code cache}. */
  public static LocalHub serve(Map<String, Path> repos, Path cache) throws IOException {
    HubTestServer server = new HubTestServer();
    for (Map.Entry<String, Path> e : repos.entrySet()) {
      server.add(e.getKey(), "0123456789abcdef0123456789abcdef01234567")
          .folder("", e.getValue());
    }
    HubClient.environmentOverride = Map.of("HF_ENDPOINT", server.endpoint(),
        "HF_HUB_CACHE", cache.toString(), "HF_HOME", cache.resolve("home").toString());
    return new LocalHub(server);
  }

  /** Requests the server has answered, as "METHOD /path". */
  public java.util.List<String> requests() {
    return server.requests;
  }

  @Override
  public void close() {
    HubClient.environmentOverride = null;
    server.close();
  }
}
