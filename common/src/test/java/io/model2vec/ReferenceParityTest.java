package io.model2vec;

import static io.model2vec.Fixtures.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The vectors the Python reference produced for the model2vec-rs fixtures, at rtol 1e-5. */
class ReferenceParityTest {
  private static final String LONG = String.join(" ", Collections.nCopies(1000, "hello"));

  @Test
  void shortTextMatchesPython() {
    try (StaticModel m = StaticModel.load(Fixtures.model("test-model-float32"))) {
      assertClose(m.encode("hello world"), Fixtures.expected("embeddings_short.json")[0], 1e-5,
          "float32 'hello world'");
    }
  }

  @Test
  void longTextIsTruncatedLikePython() {
    try (StaticModel m = StaticModel.load(Fixtures.model("test-model-float32"))) {
      assertClose(m.encode(LONG), Fixtures.expected("embeddings_long.json")[0], 1e-5,
          "float32 long");
      assertThat(m.tokenize(LONG)).hasSize(512);
    }
  }

  @Test
  void vocabularyQuantizedUnigramMatchesPython() {
    try (StaticModel m = StaticModel.load(Fixtures.model("test-model-vocab-quantized"))) {
      assertThat(m.dimension()).isEqualTo(64);
      assertClose(m.encode(LONG), Fixtures.expected("embeddings_vocab_quantized.json")[0], 1e-5,
          "vocab-quantized long");
    }
  }

  @Test
  void sentenceTransformersLayoutEqualsModel2VecLayoutExactly() {
    try (StaticModel a = StaticModel.load(Fixtures.model("test-model-float32"));
        StaticModel b = StaticModel.load(Fixtures.model("test-model-sentence-transformers"))) {
      for (String t : new String[] {"hello world", LONG, "Ünïcödé façade — 東京"}) {
        assertThat(b.encode(t)).containsExactly(a.encode(t));
      }
    }
  }

  @Test
  void float16AgreesWithFloat32WithinHalfPrecision() {
    try (StaticModel a = StaticModel.load(Fixtures.model("test-model-float32"));
        StaticModel b = StaticModel.load(Fixtures.model("test-model-float16"))) {
      assertThat(b.tableDtype()).isEqualTo("F16");
      assertThat(b.tableBytes()).isEqualTo(a.tableBytes() / 2);
      for (String t : Fixtures.fortuneTexts(200)) {
        // half precision keeps ~3 significant digits of each table value
        assertClose(b.encode(t), a.encode(t), 0, 2e-3, "f16 vs f32: " + t);
      }
    }
  }

  @Test
  void int8IsTheSameTableQuantized() {
    try (StaticModel a = StaticModel.load(Fixtures.model("test-model-float32"));
        StaticModel b = StaticModel.load(Fixtures.model("test-model-int8"))) {
      assertThat(b.tableDtype()).isEqualTo("I8");
      for (String t : Fixtures.fortuneTexts(200)) {
        float[] x = a.encode(t);
        float[] y = b.encode(t);
        double dot = 0;
        for (int i = 0; i < x.length; i++) {
          dot += x[i] * y[i];
        }
        assertThat(dot).as("cosine of int8 vs float32 for %s", t).isGreaterThan(0.98);
      }
    }
  }
}
