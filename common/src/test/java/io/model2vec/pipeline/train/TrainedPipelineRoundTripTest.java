package io.model2vec.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import io.model2vec.StaticModelPipeline;
import io.model2vec.pipeline.PipelineSaver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the trainer writes, the pipeline reader loads back with the trainer's own outputs: MLP
 * (softmax, multilabel), logistic regression (binary, multinomial), string and integer labels,
 * on the fortunes and the model2vec-rs test model.
 */
class TrainedPipelineRoundTripTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int N = 900;

  @TempDir
  static Path tmp;
  static Path modelDir;
  static List<String> texts = new ArrayList<>();
  static List<String> langs = new ArrayList<>();
  static float[][] x;

  @BeforeAll
  static void embed() throws IOException {
    modelDir = Fixtures.model("test-model-float32");
    for (String l : Files.readAllLines(Fixtures.testdata().resolve(
        "corpora/fortunes-en-de.jsonl")).subList(0, N)) {
      JsonNode n = JSON.readTree(l);
      texts.add(n.get("text").asText());
      langs.add(n.get("lang").asText());
    }
    try (StaticModel m = StaticModel.load(modelDir)) {
      x = m.encode(texts);
    }
  }

  static String bucket(String text) {
    return text.length() < 80 ? "short" : text.length() < 170 ? "medium" : "long";
  }

  /** Saves the head beside the model, loads it back, compares on every text. */
  static StaticModelPipeline roundTrip(String name, ClassifierTrainer.Result r) {
    Path dir = tmp.resolve(name);
    PipelineSaver.save(modelDir.toString(), r.skops(), dir);
    StaticModelPipeline p = StaticModelPipeline.load(dir);
    List<String> expected = new ArrayList<>();
    for (Object c : r.classes()) {
      expected.add(String.valueOf(c));
    }
    assertThat(p.classes()).as(name).isEqualTo(expected);
    float[][] got = p.predictProba(texts);
    for (int i = 0; i < N; i++) {
      double[] want = r.predictProba(x[i]);
      for (int c = 0; c < want.length; c++) {
        assertThat((double) got[i][c]).as(name + " text " + i + " class " + c)
            .isCloseTo(want[c], within(1e-6));
      }
    }
    return p;
  }

  @Test
  void mlpHeads() {
    List<Object> y = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      y.add(langs.get(i) + "-" + bucket(texts.get(i)));
    }
    ClassifierTrainer.Result r = ClassifierTrainer.builder().hidden(16, 8).maxEpochs(15).seed(2)
        .build().train(x, y);
    StaticModelPipeline p = roundTrip("mlp-two-layers", r);
    assertThat(p.isMultilabel()).isFalse();
    assertThat(p.predict(texts.get(0))).isIn(p.classes());

    List<Set<Object>> sets = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      Set<Object> s = new TreeSet<>(List.of(langs.get(i)));
      if (texts.get(i).length() >= 170) {
        s.add("long");
      }
      sets.add(s);
    }
    ClassifierTrainer.Result ml = ClassifierTrainer.builder().hidden(16).maxEpochs(15).seed(2)
        .build().trainMultilabel(x, sets);
    StaticModelPipeline mp = roundTrip("mlp-multilabel", ml);
    assertThat(mp.isMultilabel()).isTrue();
    double[] q = ml.predictProba(x[0]);
    List<String> above = new ArrayList<>();
    for (int c = 0; c < q.length; c++) {
      if (q[c] > 0.5) {
        above.add(String.valueOf(ml.classes().get(c)));
      }
    }
    assertThat(mp.predictLabels(texts.get(0))).isEqualTo(above);
  }

  @Test
  void logisticHeads() {
    List<Object> binary = new ArrayList<>(langs);
    StaticModelPipeline b = roundTrip("logreg-binary", ClassifierTrainer.builder().hidden()
        .maxEpochs(15).build().train(x, binary));
    assertThat(b.classes()).containsExactly("de", "en");
    List<Object> ints = new ArrayList<>();
    for (String t : texts) {
      ints.add((long) bucket(t).length()); // 5 (short), 6 (medium), 4 (long)
    }
    StaticModelPipeline m = roundTrip("logreg-int-labels", ClassifierTrainer.builder().hidden()
        .maxEpochs(15).build().train(x, ints));
    assertThat(m.hasIntegerClasses()).isTrue();
    assertThat(m.classes()).containsExactly("4", "5", "6");
  }
}
