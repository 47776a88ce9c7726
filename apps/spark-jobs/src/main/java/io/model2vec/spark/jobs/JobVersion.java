package io.model2vec.spark.jobs;

import io.model2vec.Version;
import picocli.CommandLine;

/** {@code --version} of the Spark jobs: the version this build was made as, never a literal. */
final class JobVersion implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"model2vec-jvm " + Version.current()};
  }
}
