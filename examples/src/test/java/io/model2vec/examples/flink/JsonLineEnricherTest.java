package io.model2vec.examples.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonLineEnricherTest {
  private final JsonLineEnricher enricher = new JsonLineEnricher("body");

  @Test
  void addsTheEmbeddingAndKeepsTheOtherFields() throws Exception {
    String line = "{\"id\":3,\"body\":\"some text\",\"embedding\":\"old\",\"tags\":[1,2]}";
    assertThat(enricher.text(line)).isEqualTo("some text");
    float[] v = {0.1f, -2.5e-8f, 3f};
    JsonNode out = new ObjectMapper().readTree(enricher.combine(line, v));
    assertThat(out.get("id").asInt()).isEqualTo(3);
    assertThat(out.get("tags").toString()).isEqualTo("[1,2]");
    assertThat(out.get("embedding").size()).isEqualTo(3);
    for (int i = 0; i < v.length; i++) {
      assertThat(out.get("embedding").get(i).floatValue()).isEqualTo(v[i]);
    }
  }

  @Test
  void nullOrMissingTextGivesNullEmbedding() throws Exception {
    assertThat(enricher.text("{\"id\":1}")).isNull();
    assertThat(enricher.text("{\"body\":null}")).isNull();
    assertThat(new ObjectMapper().readTree(enricher.combine("{\"id\":1}", null))
        .get("embedding").isNull()).isTrue();
  }

  @Test
  void combineWithoutTextCallStillParses() {
    // Any call order is correct: the cache is only an identity shortcut.
    assertThat(enricher.combine("{\"a\":1}", new float[] {1f})).isEqualTo("{\"a\":1,\"embedding\":[1.0]}");
  }

  @Test
  void badLinesNameTheProblem() {
    assertThatThrownBy(() -> enricher.text("{\"body\": 5}"))
        .hasMessageContaining("field 'body' is number, expected a string");
    assertThatThrownBy(() -> enricher.text("not json"))
        .hasMessageContaining("bad input line: not valid JSON").hasMessageContaining("not json");
    assertThatThrownBy(() -> enricher.text("[1,2]"))
        .hasMessageContaining("bad input line: not a JSON object (array): [1,2]");
    assertThatThrownBy(() -> enricher.text("{\"body\":\"a\"} {\"body\":\"b\"}"))
        .hasMessageContaining("more than one JSON value");
    assertThatThrownBy(() -> enricher.text("{\"body\":\"a\"} x"))
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void rowsKeepTheirTextAsWritten() {
    String line = "{\"n\":1e999999999, \"x\":0.10000000000000000001,\"body\":\"a\\ud800\","
        + "\"embedding\":[9],\"z\":\"\\u00e9\"}";
    assertThat(enricher.text(line)).isEqualTo("a\ud800");
    assertThat(enricher.combine(line, new float[] {0.5f}))
        .isEqualTo("{\"n\":1e999999999, \"x\":0.10000000000000000001,\"body\":\"a\\ud800\","
            + "\"z\":\"\\u00e9\",\"embedding\":[0.5]}");
  }
}
