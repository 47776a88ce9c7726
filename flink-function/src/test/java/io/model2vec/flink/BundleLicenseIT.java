package io.model2vec.flink;

import io.model2vec.BundleLicenses;
import org.junit.jupiter.api.Test;

/** The bundle and the module's own jar carry LICENSE and NOTICE ({@link BundleLicenses}). */
class BundleLicenseIT {
  private static final String BUNDLE = System.getProperty("bundle.jar");

  @Test
  void bundleKeepsOurNoticeAndTheShadedLibrariesLicences() throws Exception {
    BundleLicenses.assertBundle(BUNDLE);
  }

  @Test
  void moduleJarCarriesOurLicenseAndNotice() throws Exception {
    BundleLicenses.assertModuleJar(BUNDLE.replace("-bundle.jar", ".jar"));
  }
}
