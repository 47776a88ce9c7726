package io.model2vec.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.tokenizer.IdBuffer;
import io.model2vec.tokenizer.NativeTokenizer;
import io.model2vec.tokenizer.TokenIdEncoder;
import io.model2vec.tokenizer.TokenizerInfo;
import io.model2vec.tokenizer.Tokenizers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whole words added to the built-in model's WordPiece vocabulary, chosen from the 20,000 English
 * and German fortunes of testdata: the extended tokenizer.json gives the HuggingFace library's ids,
 * id for id, on every text of the corpus, and each new word is one token.
 */
class VocabularyExtensionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path MODEL =
      Paths.get("../default-model/src/main/resources/model2vec/default-model");
  private static String tokenizerJson;
  private static float[][] table;
  private static List<String> texts;
  private static int[][] ids;

  @BeforeAll
  static void corpus() throws Exception {
    System.setProperty("OPT_OUT_TRACKING", "true");
    tokenizerJson = Files.readString(MODEL.resolve("tokenizer.json"), StandardCharsets.UTF_8);
    table = StartModel.read(MODEL.toString()).table;
    texts = new ArrayList<>();
    for (String line : Files.readAllLines(Paths.get("../testdata/corpora/fortunes-en-de.jsonl"))) {
      texts.add(JSON.readTree(line).path("text").asText());
    }
    ids = encodeAll(tokenizerJson);
  }

  private static int[][] encodeAll(String json) {
    int[][] out = new int[texts.size()][];
    try (TokenIdEncoder enc = Tokenizers.create(json, TokenizerInfo.parse(json, "t"), "t")) {
      IdBuffer buf = new IdBuffer(256);
      for (int i = 0; i < out.length; i++) {
        enc.encode(texts.get(i), buf);
        out[i] = buf.toArray();
      }
    }
    return out;
  }

  @Test
  void theExtendedTokenizerMatchesTheHuggingFaceLibraryIdForId() {
    VocabularyExtension ext =
        VocabularyExtension.extend(tokenizerJson, "default", table, ids, 2_000, 3);
    assertThat(ext.words).hasSize(2_000);
    assertThat(ext.table.length).isEqualTo(table.length + 2_000);
    int[][] java = encodeAll(ext.tokenizerJson);
    int changed = 0;
    try (NativeTokenizer hf = new NativeTokenizer(ext.tokenizerJson, "extended")) {
      IdBuffer buf = new IdBuffer(256);
      for (int i = 0; i < texts.size(); i++) {
        hf.encode(texts.get(i), buf);
        assertThat(java[i]).as("ids of line %d: %s", i + 1, texts.get(i))
            .containsExactly(buf.toArray());
        if (java[i].length != ids[i].length) {
          changed++;
        }
      }
    }
    // the new words are used: most texts get shorter
    assertThat(changed).isGreaterThan(texts.size() / 4);
  }

  @Test
  void eachNewWordIsOneTokenWhoseRowIsTheMeanOfItsPieces() {
    VocabularyExtension ext =
        VocabularyExtension.extend(tokenizerJson, "default", table, ids, 300, 5);
    try (TokenIdEncoder old = Tokenizers.create(tokenizerJson,
            TokenizerInfo.parse(tokenizerJson, "old"), "old");
        TokenIdEncoder now = Tokenizers.create(ext.tokenizerJson,
            TokenizerInfo.parse(ext.tokenizerJson, "new"), "new")) {
      IdBuffer buf = new IdBuffer(64);
      for (int k = 0; k < ext.words.size(); k++) {
        String w = ext.words.get(k);
        now.encode(w, buf);
        assertThat(buf.toArray()).as(w).containsExactly(table.length + k);
        old.encode(w, buf);
        int[] pieces = buf.toArray();
        assertThat(pieces.length).as(w).isGreaterThanOrEqualTo(2);
        float[] mean = new float[table[0].length];
        for (int p : pieces) {
          for (int d = 0; d < mean.length; d++) {
            mean[d] += table[p][d] / pieces.length;
          }
        }
        float[] row = ext.table[table.length + k];
        for (int d = 0; d < mean.length; d++) {
          assertThat(row[d]).isCloseTo(mean[d], org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(ext.counts[k]).isGreaterThanOrEqualTo(5);
        if (k > 0) {
          assertThat(ext.counts[k]).isLessThanOrEqualTo(ext.counts[k - 1]);
        }
      }
    }
    // the old rows are the start table's
    assertThat(ext.table[1000]).isSameAs(table[1000]);
  }

  @Test
  void theChoiceIsDeterministicAndRespectsTheMinimumCount() {
    VocabularyExtension a = VocabularyExtension.extend(tokenizerJson, "d", table, ids, 100_000, 50);
    VocabularyExtension b = VocabularyExtension.extend(tokenizerJson, "d", table, ids, 100_000, 50);
    assertThat(a.tokenizerJson).isEqualTo(b.tokenizerJson);
    assertThat(a.words).isEqualTo(b.words).isNotEmpty();
    assertThat(a.words.size()).isLessThan(100_000);
    for (int c : a.counts) {
      assertThat(c).isGreaterThanOrEqualTo(50);
    }
  }

  @Test
  void argumentsAndTokenizerTypesAreChecked() {
    assertThatThrownBy(() -> VocabularyExtension.extend(tokenizerJson, "d", table, ids, 0, 1))
        .hasMessage("maxWords must be >= 1, was 0");
    assertThatThrownBy(() -> VocabularyExtension.extend(tokenizerJson, "d", table, ids, 1, 0))
        .hasMessage("minCount must be >= 1, was 0");
    String unigram = "{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}";
    assertThatThrownBy(() -> VocabularyExtension.extend(unigram, "u.json", table, ids, 1, 1))
        .hasMessageContaining("needs a WordPiece tokenizer; u.json has model type 'Unigram'");
  }
}
