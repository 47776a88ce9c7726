package io.model2vec.app;

import io.model2vec.Version;
import picocli.CommandLine;

/**
 * {@code --version} of every {@code bin/} command: the version this build was made as
 * ({@link Version}), never a literal.
 */
public final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"model2vec-jvm " + Version.current()};
  }
}
