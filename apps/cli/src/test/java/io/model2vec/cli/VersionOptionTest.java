package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bin/model2vec --version} prints the version the build was made as (the pom's). */
class VersionOptionTest {
  @Test
  void versionIsThePomsVersion() {
    String pomVersion = System.getProperty("model2vec.pomVersion");
    assertThat(pomVersion).as("system property model2vec.pomVersion (set by surefire)").isNotBlank();
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new Model2VecCli());
    cl.setOut(new PrintWriter(out, true));
    int code = io.model2vec.app.Commands.execute(cl, Throwable::getMessage, "--version");
    assertThat(code).isZero();
    assertThat(out.toString().strip()).isEqualTo("model2vec-jvm " + pomVersion);
  }
}
