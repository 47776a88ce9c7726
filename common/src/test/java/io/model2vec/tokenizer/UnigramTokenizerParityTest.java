package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.Fixtures;
import io.model2vec.MultilingualTexts;
import io.model2vec.ParityTexts;
import io.model2vec.StaticModel;
import io.model2vec.VariedTexts;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java Unigram tokenizer gives the native HuggingFace library's ids, id for id: on the
 * vocabulary-quantized fixture's tokenizer (BertNormalizer, 33 Replace, a \s+ regex, Strip,
 * Metaspace) over 100k+ varied multilingual strings and a fuzz run, and on variants of it that
 * exercise every other implemented component (Precompiled aside: see
 * {@link PrecompiledParityTest}).
 */
class UnigramTokenizerParityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TEXTS = new ArrayList<>();
  private static String fixture;

  @BeforeAll
  static void texts() throws Exception {
    System.setProperty("OPT_OUT_TRACKING", "true");
    fixture = Files.readString(Fixtures.model("test-model-vocab-quantized")
        .resolve("tokenizer.json"));
    TEXTS.addAll(Fixtures.fortuneTexts(10000));
    TEXTS.addAll(MultilingualTexts.generate(60000, 11));
    TEXTS.addAll(VariedTexts.generate(15000, 12));
    TEXTS.addAll(ParityTexts.generate(20000, 13));
  }

  @Test
  void fixtureTokenizer() {
    assertThat(TEXTS.size()).isGreaterThanOrEqualTo(100_000);
    // BertNormalizer's accent stripping sends texts with surviving combining marks native
    compare("test-model-vocab-quantized", fixture, TEXTS, 0.05);
  }

  @Test
  void fuzz() {
    Random r = new Random(20261130L);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 30000; i++) {
      texts.add(r.nextInt(4) == 0 ? VariedTexts.randomCodePoints(r, 1 + r.nextInt(30))
          : ParityTexts.fuzz(r, 1 + r.nextInt(40)));
    }
    compare("test-model-vocab-quantized (fuzz)", fixture, texts, 0.1);
  }

  @Test
  void hugeWordsAndTexts() {
    List<String> texts = List.of("a".repeat(50_000), "\u0130".repeat(5000),
        "\ud83d\ude00".repeat(5000), "word ".repeat(20_000), "\u6771".repeat(3000),
        "[UNK]".repeat(100), " [PAD] [UNK]x[PAD]", "   ", "", "\u2581\u2581 \u2581x");
    compare("test-model-vocab-quantized", fixture, texts);
  }

  /** Each variant: the fixture's tokenizer with one component changed. */
  @Test
  void variants() throws Exception {
    List<String> texts = new ArrayList<>(TEXTS.subList(0, 1000));
    texts.addAll(MultilingualTexts.generate(4000, 21));
    texts.addAll(ParityTexts.generate(2000, 22));
    texts.add("\u2581\u2581 \u2581x  y \u2581");
    texts.add(" leading and trailing ");
    variant("Metaspace split", texts, r -> meta(r).put("split", true));
    variant("Metaspace prepend never", texts, r -> meta(r).put("prepend_scheme", "never"));
    variant("Metaspace legacy add_prefix_space", texts, r -> {
      meta(r).remove("prepend_scheme");
      meta(r).remove("split");
      meta(r).put("add_prefix_space", true);
    });
    variant("no pre_tokenizer", texts, r -> r.putNull("pre_tokenizer"));
    variant("WhitespaceSplit + Metaspace", texts, r -> {
      ObjectNode seq = JSON.createObjectNode().put("type", "Sequence");
      seq.putArray("pretokenizers").add(JSON.createObjectNode().put("type", "WhitespaceSplit"))
          .add(meta(r).deepCopy().put("split", true));
      r.set("pre_tokenizer", seq);
    });
    variant("Nmt + NFKC + ' {2,}'", texts, r -> r.set("normalizer", sequence(
        JSON.createObjectNode().put("type", "Nmt"), JSON.createObjectNode().put("type", "NFKC"),
        replaceRegex(" {2,}", " "))));
    variant("Lowercase + Strip(left)", texts, r -> r.set("normalizer", sequence(
        JSON.createObjectNode().put("type", "Lowercase"), JSON.createObjectNode()
            .put("type", "Strip").put("strip_left", true).put("strip_right", false))));
    variant("BertNormalizer keeping case and accents", texts, r -> r.set("normalizer",
        JSON.createObjectNode().put("type", "BertNormalizer").put("clean_text", true)
            .put("handle_chinese_chars", false).put("lowercase", false)
            .put("strip_accents", false)));
    variant("multi-char Replace", texts, r -> r.set("normalizer", sequence(
        replaceString("ab", "X"), replaceString("\u00e9", "e\u0301"), replaceString("  ", "_"))));
    variant("no normalizer", texts, r -> r.putNull("normalizer"));
    variant("byte fallback", texts, UnigramTokenizerParityTest::byteFallback);
    variant("added tokens with lstrip and rstrip", texts, r -> {
      ArrayNode added = (ArrayNode) r.get("added_tokens");
      ((ObjectNode) added.get(0)).put("lstrip", true);
      ((ObjectNode) added.get(1)).put("rstrip", true);
    });
  }

  @Test
  void unprovenConfigurationsAreRefusedAtLoadTime() throws Exception {
    assertThat(why(fixture, r -> { })).isNull();
    assertThat(why(fixture, r -> r.set("normalizer", JSON.createObjectNode()
        .put("type", "NFKD_Unknown")))).contains("NFKD_Unknown");
    assertThat(why(fixture, r -> r.set("normalizer", replaceRegex("[a-z]+", "")))).contains(
        "[a-z]+");
    assertThat(why(fixture, r -> ((ObjectNode) r.get("pre_tokenizer")).put("type",
        "Whitespace"))).contains("Whitespace");
    assertThat(why(fixture, r -> ((ObjectNode) r.get("added_tokens").get(0)).put("normalized",
        true))).contains("[PAD]");
    assertThat(why(fixture, r -> meta(r).put("prepend_scheme", "first"))).contains("first");
    assertThat(why(fixture, r -> ((ObjectNode) r.get("model")).putNull("unk_id")))
        .contains("unk_id");
    assertThat(why(fixture, r -> ((ObjectNode) r.get("post_processor")).put("type",
        "ByteLevel"))).contains("ByteLevel");
  }

  @Test
  void theFixtureModelGetsTheJavaUnigramTokenizer() {
    try (StaticModel m = StaticModel.load(Fixtures.model("test-model-vocab-quantized"))) {
      assertThat(m.tokenizerImplementation()).isEqualTo("java-unigram");
    }
  }

  private static ObjectNode meta(ObjectNode root) {
    return (ObjectNode) root.get("pre_tokenizer");
  }

  static ObjectNode sequence(ObjectNode... normalizers) {
    ObjectNode seq = JSON.createObjectNode().put("type", "Sequence");
    ArrayNode list = seq.putArray("normalizers");
    for (ObjectNode n : normalizers) {
      list.add(n);
    }
    return seq;
  }

  static ObjectNode replaceRegex(String regex, String content) {
    ObjectNode n = JSON.createObjectNode().put("type", "Replace").put("content", content);
    n.putObject("pattern").put("Regex", regex);
    return n;
  }

  static ObjectNode replaceString(String s, String content) {
    ObjectNode n = JSON.createObjectNode().put("type", "Replace").put("content", content);
    n.putObject("pattern").put("String", s);
    return n;
  }

  /** Byte fallback on, with the 256 byte pieces appended to the vocabulary. */
  static void byteFallback(ObjectNode root) {
    ObjectNode model = (ObjectNode) root.get("model");
    model.put("byte_fallback", true);
    ArrayNode vocab = (ArrayNode) model.get("vocab");
    for (int b = 0; b < 256; b++) {
      vocab.addArray().add(String.format("<0x%02X>", b)).add(-20.0);
    }
  }

  private void variant(String name, List<String> texts, Consumer<ObjectNode> edit)
      throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(fixture);
    edit.accept(root);
    compare(name, JSON.writeValueAsString(root), texts, 0.2);
  }

  private static String why(String json, Consumer<ObjectNode> edit) throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(json);
    edit.accept(root);
    return UnigramTokenizer.unsupported(TokenizerInfo.parse(JSON.writeValueAsString(root),
        "edited"));
  }

  static void compare(String name, String json, List<String> texts) {
    compare(name, json, texts, 0.02);
  }

  /**
   * Asserts equal ids for every text, and that at most {@code share} of the texts beyond those
   * the Java path must refuse (unpaired surrogates; with JVM Unicode data, unassigned code
   * points) went to the native library.
   */
  static void compare(String name, String json, List<String> texts, double share) {
    TokenizerInfo info = TokenizerInfo.parse(json, name);
    assertThat(UnigramTokenizer.unsupported(info)).as("why %s is not tokenized in Java", name)
        .isNull();
    try (NativeTokenizer expected = new NativeTokenizer(json, name);
        UnigramTokenizer actual = UnigramTokenizer.create(info, json, name)) {
      IdBuffer e = new IdBuffer(64);
      IdBuffer a = new IdBuffer(64);
      boolean jvmUnicode = UnigramNormalizer.build(info.root.get("normalizer")).usesJvmUnicode;
      long unprovable = 0;
      for (String t : texts) {
        expected.encode(t, e);
        actual.encode(t, a);
        if (!Arrays.equals(e.toArray(), a.toArray())) {
          assertThat(a.toArray()).as("%s ids of \"%s\"", name,
              TokenIdParityTest.escape(t.length() > 300 ? t.substring(0, 300) + "..." : t))
              .containsExactly(e.toArray());
        }
        if (BertTokenizer.hasUnpairedSurrogate(t) || (jvmUnicode && t.codePoints()
            .anyMatch(cp -> Character.getType(cp) == Character.UNASSIGNED))) {
          unprovable++;
        }
      }
      // the Java path did the work: only texts it cannot prove went to the native library
      assertThat(actual.fallbacks()).as("%s: texts handed to the native library", name)
          .isLessThanOrEqualTo(unprovable + (long) (texts.size() * share));
    }
  }
}
