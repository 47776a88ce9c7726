package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.Fixtures;
import io.model2vec.ParityTexts;
import io.model2vec.TokenIds;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class TokenIdsTest {
  @Test
  void bertIdsAreTheNativeLibrarysAndTheTemplateGivesClsAndSep() {
    String json = ParityTexts.bgeTokenizerJson();
    NativeTokenizer nat = new NativeTokenizer(json, "bge");
    try (TokenIds ids = TokenIds.of(json, "bge")) {
      assertThat(ids.implementation()).isEqualTo("java-wordpiece");
      assertThat(ids.prefix()).containsExactly(101);
      assertThat(ids.suffix()).containsExactly(102);
      IdBuffer buf = new IdBuffer(16);
      for (String t : new String[] {"It's dangerous to go alone!", "Grüße aus Köln", "", "日本語"}) {
        nat.encode(t, buf);
        assertThat(ids.ids(t)).as(t).containsExactly(java.util.Arrays.copyOf(buf.ids, buf.size));
      }
    }
  }

  @Test
  void otherPostProcessors() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(ParityTexts.bgeTokenizerJson());
    root.set("post_processor", json.readTree(
        "{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",102],\"cls\":[\"[CLS]\",101]}"));
    try (TokenIds ids = TokenIds.of(root.toString(), "bert-processing")) {
      assertThat(ids.prefix()).containsExactly(101);
      assertThat(ids.suffix()).containsExactly(102);
    }
    root.putNull("post_processor");
    try (TokenIds ids = TokenIds.of(root.toString(), "none")) {
      assertThat(ids.prefix()).isEmpty();
      assertThat(ids.suffix()).isEmpty();
    }
    root.set("post_processor", json.readTree("{\"type\":\"Mystery\"}"));
    assertThatThrownBy(() -> TokenIds.of(root.toString(), "mystery.json"))
        .hasMessageContaining("mystery.json: post_processor type 'Mystery' is not supported");
    // a Unigram model without a post-processor (the quantized fixture)
    String unigram = Files.readString(Fixtures.model("test-model-vocab-quantized")
        .resolve("tokenizer.json"));
    try (TokenIds ids = TokenIds.of(unigram, "unigram")) {
      assertThat(ids.ids("hello world")).isNotEmpty();
    }
  }
}
