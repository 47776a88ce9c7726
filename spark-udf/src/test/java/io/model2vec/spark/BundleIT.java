package io.model2vec.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What the spark-submit bundle holds, and what it must not. */
class BundleIT {
  @Test
  void bundleHoldsTheCoreDjlAndRelocatedJacksonButNoEngine() throws Exception {
    try (JarFile jar = new JarFile(System.getProperty("model2vec.bundle"))) {
      List<String> names = jar.stream().map(e -> e.getName()).collect(Collectors.toList());
      assertThat(names).contains(
          "io/model2vec/StaticModel.class",
          "io/model2vec/spark/Model2VecExtensions.class",
          "io/model2vec/spark/Embedder.class",
          "ai/djl/huggingface/tokenizers/jni/TokenizersLibrary.class",
          "native/lib/linux-x86_64/cpu/libtokenizers.so",
          "model2vec/default-model/model.safetensors",
          "model2vec/default-model/tokenizer.json",
          "model2vec/default-model/config.json");
      assertThat(names).anyMatch(n -> n.startsWith("io/model2vec/shaded/com/fasterxml/jackson/databind/"));
      assertThat(names).noneMatch(n -> n.startsWith("com/fasterxml/"));
      assertThat(names).anyMatch(n -> n.startsWith("io/model2vec/shaded/com/github/benmanes/caffeine/cache/"));
      assertThat(names).noneMatch(n -> n.startsWith("com/github/benmanes/"));
      assertThat(names).noneMatch(n -> n.startsWith("org/apache/spark/"));
      assertThat(names).noneMatch(n -> n.startsWith("scala/"));
      assertThat(names).noneMatch(n -> n.startsWith("org/slf4j/"));
      assertThat(names).noneMatch(n -> n.startsWith("org/apache/hadoop/"));
      assertThat(names).contains("io/model2vec/spark/EmbedUDF.class");
      assertThat(names).noneMatch(n -> n.startsWith("org/apache/hive/"));
    }
  }
}
