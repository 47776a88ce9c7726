package io.model2vec.defaultmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.model2vec.StaticModel;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The built-in default model, loaded as users get it: {@code StaticModel.load((String) null)}. */
class DefaultModelTest {
  private static final String FOLDER = "model2vec/default-model/";
  static StaticModel model;

  @BeforeAll
  static void load() {
    model = StaticModel.load((String) null);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void isTheDistilledBgeSmallWith384NormalizedDimensionsInInt8() {
    assertThat(model.description()).contains("classpath:model2vec/default-model");
    assertThat(model.dimension()).isEqualTo(384);
    // bge-small-en-v1.5's 30,522 WordPiece tokens and 8,000 frequent whole words of the corpus
    assertThat(model.vocabularySize()).isEqualTo(38522);
    assertThat(model.tableDtype()).isEqualTo("I8");
    assertThat(model.normalizes()).isTrue();
    float[] v = model.encode("It's dangerous to go alone!");
    double sq = 0;
    for (float x : v) {
      sq += x * x;
    }
    assertThat(Math.sqrt(sq)).isCloseTo(1.0, within(1e-5));
  }

  @Test
  void paraphrasesAreCloserThanUnrelatedSentences() {
    List<String[]> triples = List.of(
        new String[] {"How do I reset my password?", "I forgot my password and need to change it.",
            "The stock market fell sharply on Monday."},
        new String[] {"The cat is sleeping on the sofa.", "A kitten naps on the couch.",
            "Quarterly revenue grew by ten percent."},
        new String[] {"Where is the nearest train station?", "How can I get to the railway station?",
            "She plays the violin beautifully."},
        new String[] {"Cheap meds, buy viagra now, limited offer!!!",
            "Discount pills online, order today and save big",
            "The meeting has been moved to Thursday afternoon."});
    for (String[] t : triples) {
      float[] a = model.encode(t[0]);
      double near = dot(a, model.encode(t[1]));
      double far = dot(a, model.encode(t[2]));
      assertThat(near).as("'%s' ~ '%s' (%s) vs '%s' (%s)", t[0], t[1], near, t[2], far)
          .isGreaterThan(far + 0.05);
    }
    // And a word is nearer its synonym than an unrelated word.
    assertThat(dot(model.encode("car"), model.encode("automobile")))
        .isGreaterThan(dot(model.encode("car"), model.encode("banana")));
  }

  @Test
  void shipsTheModel2VecLayoutWithin32Megabytes() throws IOException {
    long total = 0;
    for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "modules.json")) {
      try (InputStream in = getClass().getClassLoader().getResourceAsStream(FOLDER + f)) {
        assertThat(in).as(f).isNotNull();
        total += in.readAllBytes().length;
      }
    }
    assertThat(total).isLessThanOrEqualTo(32_000_000L);
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
