package io.model2vec.spark;

import io.model2vec.BundleLicenses;
import org.junit.jupiter.api.Test;

/** The bundle and the module's own jar carry LICENSE and NOTICE ({@link BundleLicenses}). */
class BundleLicenseIT {
  private static final String BUNDLE = System.getProperty("model2vec.bundle");

  @Test
  void bundleKeepsOurNoticeAndTheShadedLibrariesLicences() throws Exception {
    BundleLicenses.assertBundle(BUNDLE);
  }

  @Test
  void moduleJarCarriesOurLicenseAndNotice() throws Exception {
    BundleLicenses.assertModuleJar(BUNDLE.replace("-bundle.jar", ".jar"));
  }
}
