package io.model2vec;

import java.nio.file.Path;

/** Downloads model repositories from the HuggingFace hub into Python's cache layout. */
final class HubClient {
  static HubClient fromEnvironment() {
    return new HubClient();
  }

  Path snapshot(String repoId, LoadOptions options) {
    throw new Model2VecException("hub download of '" + repoId + "' is not implemented yet");
  }
}
