package io.model2vec.flink.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonLineEnricherTest {
  private final JsonLineEnricher enricher = new JsonLineEnricher("body", false);

  private static NumberedLine line(String text) {
    return new NumberedLine("in.jsonl", 7, text);
  }

  @Test
  void addsTheEmbeddingAndKeepsTheOtherFields() throws Exception {
    NumberedLine line = line("{\"id\":3,\"body\":\"some text\",\"embedding\":\"old\",\"tags\":[1,2]}");
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
    assertThat(enricher.text(line("{\"id\":1}"))).isNull();
    assertThat(enricher.text(line("{\"body\":null}"))).isNull();
    assertThat(new ObjectMapper().readTree(enricher.combine(line("{\"id\":1}"), null))
        .get("embedding").isNull()).isTrue();
  }

  @Test
  void combineWithoutTextCallStillParses() {
    // Any call order is correct: the cache is only an identity shortcut.
    assertThat(enricher.combine(line("{\"a\":1}"), new float[] {1f}))
        .isEqualTo("{\"a\":1,\"embedding\":[1.0]}");
  }

  @Test
  void badLinesFailNamingTheFileTheLineAndTheProblem() {
    assertThatThrownBy(() -> enricher.text(line("{\"body\": 5}")))
        .hasMessage("in.jsonl line 7: field 'body' is number, expected a string");
    assertThatThrownBy(() -> enricher.text(line("not json")))
        .hasMessageStartingWith("in.jsonl line 7: not valid JSON");
    assertThatThrownBy(() -> enricher.text(line("[1,2]")))
        .hasMessage("in.jsonl line 7: not a JSON object (array)");
    assertThatThrownBy(() -> enricher.text(line("{\"body\":\"a\"} {\"body\":\"b\"}")))
        .hasMessage("in.jsonl line 7: more than one JSON value on the line");
    assertThatThrownBy(() -> enricher.text(line("{\"body\":\"a\"} x")))
        .hasMessageStartingWith("in.jsonl line 7: not valid JSON");
    NumberedLine cut = line("{\"body\":\"a");
    cut.unterminated = true;
    assertThatThrownBy(() -> enricher.text(cut)).hasMessageContaining("line 7: cut short");
    NumberedLine notUtf8 = line(null);
    notUtf8.error = "not valid UTF-8 (byte 0xFF at byte 3 of the line)";
    assertThatThrownBy(() -> enricher.text(notUtf8)).hasMessageContaining("line 7: not valid UTF-8");
  }

  @Test
  void skippedBadLinesBecomeRejectRecords() throws Exception {
    JsonLineEnricher skipping = new JsonLineEnricher("body", true);
    NumberedLine bad = line("{\"body\": 5}");
    assertThat(skipping.text(bad)).isNull();
    String out = skipping.combine(bad, null);
    assertThat(out.charAt(0)).isEqualTo(JsonLineEnricher.REJECT);
    JsonNode r = new ObjectMapper().readTree(out.substring(1));
    assertThat(r.get("file").asText()).isEqualTo("in.jsonl");
    assertThat(r.get("line").asLong()).isEqualTo(7);
    assertThat(r.get("reason").asText()).isEqualTo("field 'body' is number, expected a string");
    assertThat(r.get("raw").asText()).isEqualTo("{\"body\": 5}");
    NumberedLine notUtf8 = line(null);
    notUtf8.error = "not valid UTF-8";
    notUtf8.raw = new byte[] {'a', (byte) 0xFF};
    assertThat(new ObjectMapper().readTree(skipping.combine(notUtf8, null).substring(1))
        .get("raw_base64").asText()).isEqualTo("Yf8=");
  }

  @Test
  void rowsKeepTheirTextAsWritten() {
    NumberedLine line = line("{\"n\":1e999999999, \"x\":0.10000000000000000001,\"body\":\"a\\ud800\","
        + "\"embedding\":[9],\"z\":\"\\u00e9\"}");
    assertThat(enricher.text(line)).isEqualTo("a\ud800");
    assertThat(enricher.combine(line, new float[] {0.5f}))
        .isEqualTo("{\"n\":1e999999999, \"x\":0.10000000000000000001,\"body\":\"a\\ud800\","
            + "\"z\":\"\\u00e9\",\"embedding\":[0.5]}");
  }
}
