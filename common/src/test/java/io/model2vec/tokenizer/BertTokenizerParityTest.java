package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import io.model2vec.ParityTexts;
import io.model2vec.VariedTexts;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java BERT tokenizer gives the native HuggingFace library's ids, id for id, on the fixture's
 * tokenizer and on the real bge-small-en-v1.5 tokenizer: over 100k varied strings each (the
 * fortunes corpus, many scripts, emoji, spaces, controls, punctuation, over-long words, special
 * tokens inside text) and a seeded fuzz run.
 */
class BertTokenizerParityTest {
  private static final List<String> TEXTS = new ArrayList<>();

  @BeforeAll
  static void texts() {
    System.setProperty("OPT_OUT_TRACKING", "true");
    TEXTS.addAll(Fixtures.fortuneTexts(20000));
    TEXTS.addAll(VariedTexts.generate(40000, 3));
    TEXTS.addAll(ParityTexts.generate(50000, 5));
  }

  @Test
  void fixtureTokenizer() throws Exception {
    String json = Files.readString(Fixtures.model("test-model-float32").resolve("tokenizer.json"));
    compare("test-model-float32", json, TEXTS);
  }

  @Test
  void bgeSmallTokenizer() {
    compare("bge-small-en-v1.5", ParityTexts.bgeTokenizerJson(), TEXTS);
  }

  @Test
  void fuzz() {
    Random r = new Random(20261124L);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 30000; i++) {
      texts.add(ParityTexts.fuzz(r, 1 + r.nextInt(40)));
    }
    compare("bge-small-en-v1.5 (fuzz)", ParityTexts.bgeTokenizerJson(), texts);
  }

  @Test
  void hugeWordsAndTexts() {
    List<String> texts = List.of("a".repeat(100_000), "\u0130".repeat(5000),
        "\ud83d\ude00".repeat(5000), "word ".repeat(20_000), "x" + "\u0130".repeat(99),
        "x" + "\u0130".repeat(100), "\ud840\udc0b".repeat(300) + "ab",
        ("y".repeat(99) + " ").repeat(50), "z".repeat(100) + "[CLS]" + "z".repeat(101));
    compareAll("bge-small-en-v1.5", ParityTexts.bgeTokenizerJson(), texts);
  }

  @Test
  void specialTokensInsideTextAreMatchedBeforeNormalization() {
    String json = ParityTexts.bgeTokenizerJson();
    TokenizerInfo info = TokenizerInfo.parse(json, "bge");
    try (BertTokenizer t = BertTokenizer.create(info, json, "bge")) {
      IdBuffer b = new IdBuffer(16);
      t.encode("x[CLS]y", b);
      assertThat(b.toArray()).containsExactly(1060, 101, 1061);
      t.encode("[CLS][SEP]", b);
      assertThat(b.toArray()).containsExactly(101, 102);
      t.encode("a [MASK]b", b);
      assertThat(b.toArray()).containsExactly(1037, 103, 1038);
      // matched case-sensitively on the raw text: lowercase is ordinary text
      t.encode("[cls]", b);
      assertThat(b.toArray()).containsExactly(1031, 18856, 2015, 1033);
      t.encode("[UNK]", b);
      assertThat(b.toArray()).containsExactly(100);
      assertThat(t.fallbacks()).isZero();
    }
  }

  @Test
  void unpairedSurrogatesGoToTheNativeLibrary() {
    String json = ParityTexts.bgeTokenizerJson();
    TokenizerInfo info = TokenizerInfo.parse(json, "bge");
    try (BertTokenizer t = BertTokenizer.create(info, json, "bge");
        NativeTokenizer n = new NativeTokenizer(json, "bge")) {
      IdBuffer a = new IdBuffer(16);
      IdBuffer e = new IdBuffer(16);
      // the JNI layer decodes such a string lossily: the emoji disappears too
      String s = "caf\u00e9 \ud800 \ud83d\ude00 hello";
      t.encode(s, a);
      n.encode(s, e);
      assertThat(a.toArray()).containsExactly(e.toArray()).containsExactly(7668, 7592);
      assertThat(t.fallbacks()).isEqualTo(1);
    }
  }

  static void compare(String name, String json, List<String> texts) {
    assertThat(texts.size()).isGreaterThanOrEqualTo(30000);
    compareAll(name, json, texts);
  }

  static void compareAll(String name, String json, List<String> texts) {
    TokenizerInfo info = TokenizerInfo.parse(json, name);
    assertThat(BertTokenizer.unsupported(info)).as("why %s is not tokenized in Java", name).isNull();
    try (NativeTokenizer expected = new NativeTokenizer(json, name);
        BertTokenizer actual = BertTokenizer.create(info, json, name)) {
      IdBuffer e = new IdBuffer(64);
      IdBuffer a = new IdBuffer(64);
      long surrogates = 0;
      for (String t : texts) {
        expected.encode(t, e);
        actual.encode(t, a);
        if (!Arrays.equals(e.toArray(), a.toArray())) {
          assertThat(a.toArray()).as("%s ids of \"%s\"", name,
              TokenIdParityTest.escape(t.length() > 300 ? t.substring(0, 300) + "..." : t))
              .containsExactly(e.toArray());
        }
        if (BertTokenizer.hasUnpairedSurrogate(t)) {
          surrogates++;
        }
      }
      // the Java path did the work: only texts it cannot prove went to the native library
      assertThat(actual.fallbacks()).as("texts handed to the native library")
          .isLessThanOrEqualTo(surrogates + texts.size() / 100);
    }
  }
}
