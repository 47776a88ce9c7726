package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.model2vec.Fixtures;
import io.model2vec.VariedTexts;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our ids-only path through the HuggingFace library gives exactly the ids of DJL's standard
 * {@code encode(text, false, false)}, for each tokenizer type of the fixtures.
 */
public class TokenIdParityTest {
  @BeforeAll
  static void noTelemetry() {
    System.setProperty("OPT_OUT_TRACKING", "true");
  }

  @Test
  void wordPieceAndUnigram() throws Exception {
    List<String> texts = VariedTexts.generate(8000, 1);
    for (String name : new String[] {"test-model-float32", "test-model-vocab-quantized"}) {
      String json = Files.readString(Fixtures.model(name).resolve("tokenizer.json"));
      TokenizerInfo info = TokenizerInfo.parse(json, name);
      try (HuggingFaceTokenizer djl = HuggingFaceTokenizer.newInstance(
              Fixtures.model(name).resolve("tokenizer.json"),
              Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
          NativeTokenizer ours = new NativeTokenizer(json, name)) {
        IdBuffer buf = new IdBuffer(16);
        int checked = 0;
        for (String t : texts) {
          Encoding e = djl.encode(t, false, false);
          long[] expected = e.getIds();
          ours.encode(t, buf);
          int[] actual = buf.toArray();
          assertThat(actual).as("%s ids of %s", info.modelType, escape(t)).hasSize(expected.length);
          for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("%s id %d of %s", info.modelType, i, escape(t))
                .isEqualTo((int) expected[i]);
          }
          checked++;
        }
        assertThat(checked).isEqualTo(texts.size());
      }
    }
  }

  public static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(cp -> {
      if (cp < 0x20 || cp > 0x7e) {
        sb.append(String.format("\\u{%x}", cp));
      } else {
        sb.appendCodePoint(cp);
      }
    });
    return sb.toString();
  }
}
