package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every code point (surrogates aside), under each BertNormalizer configuration that BERT models
 * ship: a vocabulary of all single characters makes the ids spell out exactly what the normalizer
 * and the pre-tokenizer did, and the Java tokenizer must give the native library's ids.
 */
class BertExhaustiveParityTest {
  @BeforeAll
  static void noTelemetry() {
    System.setProperty("OPT_OUT_TRACKING", "true");
  }

  /**
   * The default run checks the configuration of uncased BERT (bge, potion, MiniLM: every step
   * on); {@code -Dmodel2vec.test.exhaustive=all} adds cased BERT and clean_text off (~30 s each).
   */
  @ParameterizedTest(name = "clean_text={0} strip_accents={1} lowercase={2}")
  @CsvSource({
      "true, , true, default", // uncased BERT: strip_accents follows lowercase
      "true, false, false, all", // cased BERT
      "false, true, false, all",
  })
  void everyCodePoint(boolean clean, Boolean strip, boolean lower, String run) {
    Assumptions.assumeTrue(run.equals("default")
        || System.getProperty("model2vec.test.exhaustive", "").equals("all"),
        "run with -Dmodel2vec.test.exhaustive=all");
    String json = BertProbe.tokenizerJson(clean, strip, lower, null);
    TokenizerInfo info = TokenizerInfo.parse(json, "probe");
    assertThat(BertTokenizer.unsupported(info)).isNull();
    List<String> texts = BertProbe.texts(500);
    try (NativeTokenizer expected = new NativeTokenizer(json, "probe");
        BertTokenizer actual = BertTokenizer.create(info, json, "probe")) {
      IdBuffer e = new IdBuffer(4096);
      IdBuffer a = new IdBuffer(4096);
      for (String t : texts) {
        expected.encode(t, e);
        actual.encode(t, a);
        if (!java.util.Arrays.equals(e.toArray(), a.toArray())) {
          // narrow down to the code point for a readable failure
          int[] cps = t.codePoints().toArray();
          for (int i = 2; i < cps.length; i += 3) {
            String one = "a" + new String(Character.toChars(cps[i])) + "b";
            expected.encode(one, e);
            actual.encode(one, a);
            assertThat(a.toArray()).as("ids of a+U+%04X+b", cps[i]).containsExactly(e.toArray());
          }
          assertThat(a.toArray()).as("ids of a probe text").containsExactly(e.toArray());
        }
      }
      boolean stripping = strip == null ? lower : strip;
      if (!stripping) {
        // only texts with a mark that survives accent stripping may need the native library
        assertThat(actual.fallbacks()).as("texts handed to the native library").isZero();
      }
    }
  }
}
