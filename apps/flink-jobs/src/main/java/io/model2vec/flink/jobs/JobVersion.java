package io.model2vec.flink.jobs;

import io.model2vec.Version;
import picocli.CommandLine;

/** {@code --version} of the Flink jobs: the version this build was made as, never a literal. */
final class JobVersion implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"model2vec-jvm " + Version.current()};
  }
}
