package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The version the library reports is the one the build was made as (the pom's). */
class VersionTest {
  /** The pom's version, passed by surefire (common/pom.xml): where the tests learn the truth. */
  static String pomVersion() {
    String v = System.getProperty("model2vec.pomVersion");
    assertThat(v).as("system property model2vec.pomVersion (set by surefire)").isNotBlank();
    return v;
  }

  @Test
  void currentIsThePomsVersion() {
    assertThat(Version.current()).isEqualTo(pomVersion());
  }

  @Test
  void userAgentNamesTheLibraryAndTheJvm() {
    assertThat(Version.userAgent())
        .isEqualTo("model2vec-jvm/" + pomVersion() + "; java/" + System.getProperty("java.version"));
    assertThat(HubHttp.USER_AGENT).isEqualTo(Version.userAgent());
  }
}
