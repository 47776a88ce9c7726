package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Settings: defaults when unset, a set value (property first, then environment), bad values named. */
class SettingsTest {
  private static final UnaryOperator<String> NO_PROPERTIES = name -> null;

  private static UnaryOperator<String> properties(Map<String, String> values) {
    return values::get;
  }

  @Test
  void unsetSettingsHaveTheirDefaults() {
    assertThat(Settings.TOKENIZER.get(NO_PROPERTIES, Map.of())).isEqualTo("auto");
    assertThat(Settings.VECTOR.get(NO_PROPERTIES, Map.of())).isTrue();
    assertThat(Settings.CACHE_IDLE_SECONDS.get(NO_PROPERTIES, Map.of())).isEqualTo(300L);
    assertThat(Settings.INDEX_HNSW_M.get(NO_PROPERTIES, Map.of())).isEqualTo(32);
    assertThat(Settings.INDEX_HNSW_BEAM_WIDTH.get(NO_PROPERTIES, Map.of())).isEqualTo(200);
    assertThat(Settings.INDEX_RAM_BUFFER_MB.get(NO_PROPERTIES, Map.of())).isNull();
    assertThat(Settings.HF_ENDPOINT.get(Map.of())).isEqualTo(URI.create("https://huggingface.co"));
    assertThat(Settings.HF_HUB_OFFLINE.get(Map.of())).isFalse();
    assertThat(Settings.HF_HUB_ETAG_TIMEOUT.get(Map.of())).isEqualTo(10_000L);
    assertThat(Settings.HF_HUB_DOWNLOAD_TIMEOUT.get(Map.of())).isEqualTo(10_000L);
    assertThat(Settings.HUB_LOCK_TIMEOUT.get(Map.of())).isEqualTo(600_000L);
    assertThat(Settings.DEBUG.get(NO_PROPERTIES, Map.of())).isFalse();
    assertThat(Settings.SPARK_MASTER.get(NO_PROPERTIES, Map.of())).isNull();
    // blank counts as unset
    assertThat(Settings.INDEX_HNSW_M.get(properties(Map.of("model2vec.index.hnsw.m", " ")),
        Map.of("MODEL2VEC_INDEX_HNSW_M", ""))).isEqualTo(32);
  }

  @Test
  void aSetValueIsParsedTrimmedAndThePropertyWinsOverTheEnvironment() {
    assertThat(Settings.INDEX_HNSW_M.get(properties(Map.of("model2vec.index.hnsw.m", " 16\n")),
        Map.of())).isEqualTo(16);
    assertThat(Settings.INDEX_HNSW_M.get(NO_PROPERTIES, Map.of("MODEL2VEC_INDEX_HNSW_M", "24")))
        .isEqualTo(24);
    assertThat(Settings.INDEX_HNSW_M.get(properties(Map.of("model2vec.index.hnsw.m", "16")),
        Map.of("MODEL2VEC_INDEX_HNSW_M", "24"))).isEqualTo(16);
    assertThat(Settings.TOKENIZER.get(NO_PROPERTIES, Map.of("MODEL2VEC_TOKENIZER", "native")))
        .isEqualTo("native");
    assertThat(Settings.VECTOR.get(properties(Map.of("model2vec.vector", "FALSE")), Map.of()))
        .isFalse();
    assertThat(Settings.CACHE_IDLE_SECONDS.get(NO_PROPERTIES,
        Map.of("MODEL2VEC_CACHE_IDLE_SECONDS", "0"))).isZero();
    assertThat(Settings.HF_HUB_ETAG_TIMEOUT.get(Map.of("HF_HUB_ETAG_TIMEOUT", "2.5")))
        .isEqualTo(2_500L);
    assertThat(Settings.HF_HUB_OFFLINE.get(Map.of("HF_HUB_OFFLINE", "Yes"))).isTrue();
    assertThat(Settings.HF_ENDPOINT.get(Map.of("HF_ENDPOINT", "http://127.0.0.1:8080//")))
        .isEqualTo(URI.create("http://127.0.0.1:8080"));
    // the hub's settings are environment variables only, as in huggingface_hub
    assertThat(Settings.HF_HUB_OFFLINE.get(properties(Map.of("HF_HUB_OFFLINE", "1")), Map.of()))
        .isFalse();
  }

  @Test
  void aBadValueIsAOneLineErrorNamingTheSettingAndTheValue() {
    assertThatThrownBy(() -> Settings.INDEX_HNSW_M.get(
        properties(Map.of("model2vec.index.hnsw.m", "many")), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("system property model2vec.index.hnsw.m must be a whole number from 1 to 512, "
            + "was 'many'");
    assertThatThrownBy(() -> Settings.INDEX_HNSW_M.get(NO_PROPERTIES,
        Map.of("MODEL2VEC_INDEX_HNSW_M", "0")))
        .hasMessage("MODEL2VEC_INDEX_HNSW_M must be a whole number from 1 to 512, was '0'");
    assertThatThrownBy(() -> Settings.VECTOR.get(properties(Map.of("model2vec.vector", "off")),
        Map.of())).hasMessage("system property model2vec.vector must be true or false, was 'off'");
    assertThatThrownBy(() -> Settings.CACHE_IDLE_SECONDS.get(
        properties(Map.of("model2vec.cache.idle-seconds", "5m")), Map.of()))
        .hasMessage("system property model2vec.cache.idle-seconds must be a whole number of "
            + "seconds, was '5m'");
    assertThatThrownBy(() -> Settings.HUB_LOCK_TIMEOUT.get(
        Map.of("MODEL2VEC_HUB_LOCK_TIMEOUT", "0"))).hasMessage("MODEL2VEC_HUB_LOCK_TIMEOUT must "
            + "be a number of seconds greater than 0 and at most 2147483, such as 10 or 2.5, "
            + "was '0'");
    assertThatThrownBy(() -> Settings.HF_ENDPOINT.get(Map.of("HF_ENDPOINT", "ftp://x/")))
        .hasMessageContaining("HF_ENDPOINT must be an http or https URL").hasMessageContaining(
            "'ftp://x'");
    // control characters are escaped: the message stays one line
    assertThatThrownBy(() -> Settings.TOKENIZER.get(
        properties(Map.of("model2vec.tokenizer", "fast\nX: 1")), Map.of()))
        .hasMessage("system property model2vec.tokenizer must be auto or native, was "
            + "'fast\\u000aX: 1'");
  }

  @Test
  void everySettingHasAUniqueNameAndADescription() {
    Set<String> names = new HashSet<>();
    for (Settings.Setting<?> s : Settings.all()) {
      assertThat(s.property() != null || s.environment() != null).as("%s has a name", s).isTrue();
      if (s.property() != null) {
        assertThat(names.add(s.property())).as("%s is listed once", s.property()).isTrue();
      }
      if (s.environment() != null) {
        assertThat(names.add(s.environment())).as("%s is listed once", s.environment()).isTrue();
      }
      assertThat(s.description()).as("%s describes itself", s).isNotBlank();
    }
    assertThat(names).contains("model2vec.tokenizer", "MODEL2VEC_TOKENIZER", "HF_TOKEN",
        "model2vec.cache.idle-seconds", "MODEL2VEC_HUB_LOCK_TIMEOUT");
  }
}
