package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.ParityTexts;
import io.model2vec.StaticModel;
import io.model2vec.TestModels;
import java.util.concurrent.ForkJoinPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which tokenizer a model gets, and that the Java one changes no vector: the same floats as the
 * native path, for the fixture and for a bge-small model with a random 256-wide table.
 */
class JavaTokenizerVectorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void noTelemetry() {
    System.setProperty("OPT_OUT_TRACKING", "true");
  }

  @Test
  void bertModelsGetTheJavaTokenizerOthersTheNativeOne() {
    try (StaticModel m = StaticModel.load(Fixtures.model("test-model-float32"))) {
      assertThat(m.tokenizerImplementation()).isEqualTo("java-wordpiece");
    }
    try (StaticModel m = StaticModel.load(Fixtures.model("test-model-vocab-quantized"))) {
      assertThat(m.tokenizerImplementation()).isEqualTo("java-unigram");
    }
  }

  @Test
  void unprovenConfigurationsAreRefusedAtLoadTime() throws Exception {
    String bge = ParityTexts.bgeTokenizerJson();
    assertThat(why(bge, r -> r)).isNull();
    assertThat(why(bge, r -> {
      ((ObjectNode) r.get("pre_tokenizer")).put("type", "Whitespace");
      return r;
    })).contains("pre_tokenizer Whitespace");
    assertThat(why(bge, r -> {
      ((ObjectNode) r.get("normalizer")).put("handle_chinese_chars", false);
      return r;
    })).contains("handle_chinese_chars");
    assertThat(why(bge, r -> {
      ((ObjectNode) r.get("added_tokens").get(2)).put("normalized", true);
      return r;
    })).contains("[CLS]");
    assertThat(why(bge, r -> {
      ((ObjectNode) r.get("added_tokens").get(4)).put("lstrip", true);
      return r;
    })).contains("[MASK]");
    assertThat(why(bge, r -> {
      ((ObjectNode) r.get("added_tokens").get(1)).put("id", 7);
      return r;
    })).contains("[UNK]");
    assertThat(why(bge, r -> {
      ((com.fasterxml.jackson.databind.node.ArrayNode) r.get("added_tokens")).addObject()
          .put("id", 30522).put("content", "<new>").put("special", true)
          .put("normalized", false);
      return r;
    })).contains("<new>");
  }

  @Test
  void forcedNativeWithASystemProperty() {
    System.setProperty("model2vec.tokenizer", "native");
    try (StaticModel m = StaticModel.load(Fixtures.model("test-model-float32"))) {
      assertThat(m.tokenizerImplementation()).isEqualTo("native");
    } finally {
      System.clearProperty("model2vec.tokenizer");
    }
    System.setProperty("model2vec.tokenizer", "fast");
    try {
      assertThatThrownBy(() -> StaticModel.load(Fixtures.model("test-model-float32")))
          .hasMessageContaining("model2vec.tokenizer must be auto or native, was 'fast'");
    } finally {
      System.clearProperty("model2vec.tokenizer");
    }
  }

  @Test
  void sameVectorsAsTheNativePath(@TempDir Path dir) throws Exception {
    List<String> texts = new ArrayList<>(Fixtures.fortuneTexts(3000));
    texts.addAll(ParityTexts.generate(3000, 9));
    texts.add("hello world");
    texts.add("hello ".repeat(1000).trim());
    texts.add("");
    texts.add("[CLS] [UNK] [SEP]");
    Path bge = bgeModel(dir.resolve("bge"), 256);
    for (Path folder : new Path[] {Fixtures.model("test-model-float32"), bge}) {
      for (LoadOptions o : new LoadOptions[] {LoadOptions.defaults(),
          LoadOptions.builder().noMaxLength().build(), LoadOptions.builder().maxLength(8).build()}) {
        StaticModel nat;
        System.setProperty("model2vec.tokenizer", "native");
        try {
          nat = StaticModel.load(folder, o);
        } finally {
          System.clearProperty("model2vec.tokenizer");
        }
        try (StaticModel java = StaticModel.load(folder, o); StaticModel n = nat) {
          assertThat(java.tokenizerImplementation()).isEqualTo("java-wordpiece");
          assertThat(n.tokenizerImplementation()).isEqualTo("native");
          float[][] a = java.encode(texts, ForkJoinPool.commonPool(), 2);
          for (int i = 0; i < texts.size(); i++) {
            assertThat(a[i]).as("vector of %s", TokenIdParityTest.escape(texts.get(i)))
                .containsExactly(n.encode(texts.get(i)));
            assertThat(java.tokenize(texts.get(i))).containsExactly(n.tokenize(texts.get(i)));
          }
        }
      }
    }
  }

  /** A model folder with bge-small's tokenizer and a random F32 table. */
  static Path bgeModel(Path dir, int dims) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("tokenizer.json"), ParityTexts.bgeTokenizerJson());
    Files.writeString(dir.resolve("config.json"), "{\"normalize\": true}");
    Random r = new Random(1);
    float[] table = new float[30522 * dims];
    for (int i = 0; i < table.length; i++) {
      table[i] = (float) r.nextGaussian();
    }
    Map<String, TestModels.T> tensors = new LinkedHashMap<>();
    tensors.put("embeddings", new TestModels.T("F32", new long[] {30522, dims},
        TestModels.f32(table)));
    Files.write(dir.resolve("model.safetensors"), TestModels.safetensors(tensors));
    return dir;
  }

  private static String why(String json, UnaryOperator<ObjectNode> edit) throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(json);
    String edited = JSON.writeValueAsString(edit.apply(root));
    return BertTokenizer.unsupported(TokenizerInfo.parse(edited, "edited"));
  }
}
