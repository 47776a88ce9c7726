package io.model2vec.spark.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The bundle carries the index code and Lucene, relocated with its SPI service files. */
class IndexBundleIT {
  @Test
  void bundleHoldsRelocatedLuceneWithItsServices() throws Exception {
    try (JarFile jar = new JarFile(System.getProperty("model2vec.bundle"))) {
      List<String> names = jar.stream().map(e -> e.getName()).collect(Collectors.toList());
      assertThat(names).contains(
          "io/model2vec/index/VectorIndex.class",
          "io/model2vec/spark/index/Model2VecIndex.class",
          "io/model2vec/spark/index/NearestFunction.class",
          "io/model2vec/shaded/org/apache/lucene/codecs/lucene912/Lucene912Codec.class",
          "io/model2vec/shaded/org/apache/lucene/codecs/lucene99/Lucene99HnswVectorsFormat.class");
      assertThat(names).noneMatch(n -> n.startsWith("org/apache/lucene/"));
      assertThat(names).noneMatch(n -> n.startsWith("META-INF/services/org.apache.lucene"));
      String codecs = read(jar, "META-INF/services/io.model2vec.shaded.org.apache.lucene.codecs.Codec");
      assertThat(codecs).contains("io.model2vec.shaded.org.apache.lucene.codecs.lucene912.Lucene912Codec");
      String formats = read(jar, "META-INF/services/io.model2vec.shaded.org.apache.lucene.codecs.KnnVectorsFormat");
      assertThat(formats).contains(
          "io.model2vec.shaded.org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat",
          "io.model2vec.shaded.org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat");
    }
  }

  private static String read(JarFile jar, String name) throws Exception {
    var entry = jar.getEntry(name);
    assertThat(entry).as(name).isNotNull();
    try (InputStream in = jar.getInputStream(entry)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
