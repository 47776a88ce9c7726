package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadOptionsParseTest {
  @Test
  void everyKeyParsesAndWritesBack() {
    LoadOptions o = LoadOptions.parse("spark.model2vec.", Map.of(
        "spark.model2vec.normalize", " TRUE ", "spark.model2vec.max-length", "128",
        "spark.model2vec.dimensions", "32", "spark.model2vec.revision", "v1",
        "spark.model2vec.subfolder", "a/b")::get);
    assertThat(o).isEqualTo(LoadOptions.builder().normalize(true).maxLength(128).dimensions(32)
        .revision("v1").subfolder("a/b").build());
    assertThat(LoadOptions.parse(o.toMap())).isEqualTo(o);
    assertThat(LoadOptions.defaults().toMap()).isEmpty();
    assertThat(LoadOptions.parse(Map.of("max-length", "None"))).isEqualTo(
        LoadOptions.builder().noMaxLength().build());
    assertThat(LoadOptions.parse(Map.of("dimensions", "0", "normalize", " "))).isEqualTo(
        LoadOptions.defaults());
  }

  @Test
  void theOldSparkSpellingIsStillRead() {
    assertThat(LoadOptions.parse("p.", Map.of("p.maxLength", "none")::get))
        .isEqualTo(LoadOptions.builder().noMaxLength().build());
    assertThat(LoadOptions.parse("p.", Map.of("p.maxLength", "none", "p.max-length", "7")::get)
        .maxLength()).as("the current spelling wins").isEqualTo(7);
  }

  @Test
  void badValuesNameTheKeyEveryAcceptedFormAndTheValue() {
    assertThatThrownBy(() -> LoadOptions.parse("spark.model2vec.",
        Map.of("spark.model2vec.max-length", "lots")::get))
        .hasMessage("spark.model2vec.max-length must be a positive integer or 'none', was 'lots'");
    assertThatThrownBy(() -> LoadOptions.parse(Map.of("max-length", "0")))
        .hasMessage("max-length must be a positive integer or 'none', was '0'");
    assertThatThrownBy(() -> LoadOptions.parse(Map.of("normalize", "yes")))
        .hasMessage("normalize must be true or false, was 'yes'");
    for (String bad : new String[] {"/etc", "a/../../b", "./x", "a\\b", "a\tb"}) {
      assertThatThrownBy(() -> LoadOptions.parse(Map.of("subfolder", bad)))
          .as(bad).hasMessageContaining("subfolder must be a relative path inside the model");
    }
    assertThat(LoadOptions.parse(Map.of("subfolder", "0_StaticEmbedding/x")).subfolder())
        .isEqualTo("0_StaticEmbedding/x");
    assertThatThrownBy(() -> LoadOptions.parse(Map.of("dimensions", "-3")))
        .hasMessage("dimensions must be a positive integer (0 or unset keeps all), was '-3'");
  }
}
