package io.model2vec.defaultmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.nio.file.Paths;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** {@code corpus/BuildCorpus.java}, a source-launcher script, compiled as it is for the tests. */
final class BuildCorpusScript {
  private BuildCorpusScript() {}

  /** Compiles the script into {@code classes} and returns a loader of its classes. */
  static ClassLoader compile(Path classes) throws Exception {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = javac.run(null, null, err, "-d", classes.toString(),
        Paths.get("corpus/BuildCorpus.java").toString());
    assertThat(rc).as(err.toString()).isZero();
    return new URLClassLoader(new URL[] {classes.toUri().toURL()},
        BuildCorpusScript.class.getClassLoader());
  }
}
