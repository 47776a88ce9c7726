package io.model2vec.pipeline.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The trainer learns what is learnable, deterministically, stops early, and reports. With
 * {@code -Dmodel2vec.pythonCheck=DIR} it also writes each head's {@code pipeline.skops}, the
 * inputs and the JVM's probabilities to DIR, for a check with Python's skops + scikit-learn
 * (docs/classify-training.md).
 */
class ClassifierTrainerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Three Gaussian blobs in 8 dims, the labels of which an MLP learns almost perfectly. */
  static float[][] blobs(int n, long seed, List<Object> labels, String[] names) {
    Random r = new Random(seed);
    float[][] x = new float[n][8];
    for (int i = 0; i < n; i++) {
      int c = i % names.length;
      for (int j = 0; j < 8; j++) {
        x[i][j] = (float) (r.nextGaussian() * 0.5 + (j % names.length == c ? 2 : 0));
      }
      labels.add(names[c]);
    }
    return x;
  }

  @Test
  void mlpLearnsBlobsDeterministically() throws IOException {
    List<Object> y = new ArrayList<>();
    float[][] x = blobs(600, 1, y, new String[] {"gamma", "alpha", "beta"});
    ClassifierTrainer t = ClassifierTrainer.builder().hidden(16).seed(7).maxEpochs(60).build();
    ClassifierTrainer.Result a = t.train(x, y);
    ClassifierTrainer.Result b = t.train(x, y);
    assertThat(a.skops()).isEqualTo(b.skops());
    assertThat(a.classes()).containsExactly("alpha", "beta", "gamma");
    assertThat(a.report().accuracy()).isGreaterThan(0.95);
    assertThat(a.report().macroF1()).isGreaterThan(0.95);
    assertThat(a.report().examples()).isEqualTo(60); // 10 % of each class held out
    assertThat(a.bestEpoch()).isBetween(1, a.epochs());
    // chunks summed in order: the threads do not change a bit
    assertThat(ClassifierTrainer.builder().hidden(16).seed(7).maxEpochs(60).batchSize(200)
        .threads(3).build().train(x, y).skops()).isEqualTo(ClassifierTrainer.builder()
        .hidden(16).seed(7).maxEpochs(60).batchSize(200).build().train(x, y).skops());
    ClassifierTrainer.Result other = ClassifierTrainer.builder().hidden(16).seed(8)
        .maxEpochs(60).build().train(x, y);
    assertThat(other.skops()).isNotEqualTo(a.skops());
    pythonCheck("blobs-mlp", a, x);
  }

  @Test
  void earlyStoppingEndsBeforeTheLimit() {
    List<Object> y = new ArrayList<>();
    float[][] x = blobs(300, 2, y, new String[] {"a", "b"});
    ClassifierTrainer.Result r = ClassifierTrainer.builder().hidden(8).patience(2)
        .learningRate(0.05).maxEpochs(500).build().train(x, y);
    assertThat(r.epochs()).isLessThan(500);
    assertThat(r.epochs() - r.bestEpoch()).isEqualTo(2);
  }

  @Test
  void linearHeadIsALogisticRegression() throws IOException {
    List<Object> y = new ArrayList<>();
    float[][] x = blobs(400, 3, y, new String[] {"ham", "spam"});
    ClassifierTrainer.Result r = ClassifierTrainer.builder().hidden().seed(1).maxEpochs(80)
        .learningRate(0.01).build().train(x, y);
    assertThat(r.mlp()).isNull();
    assertThat(r.logistic()).isNotNull();
    assertThat(r.report().accuracy()).isGreaterThan(0.95);
    pythonCheck("blobs-logreg-binary", r, x);
    List<Object> y3 = new ArrayList<>();
    float[][] x3 = blobs(600, 4, y3, new String[] {"x", "y", "z"});
    ClassifierTrainer.Result r3 = ClassifierTrainer.builder().hidden().seed(1).maxEpochs(80)
        .learningRate(0.01).build().train(x3, y3);
    assertThat(r3.report().accuracy()).isGreaterThan(0.95);
    pythonCheck("blobs-logreg-multiclass", r3, x3);
  }

  @Test
  void multilabelHeadPredictsSets() throws IOException {
    Random rnd = new Random(5);
    int n = 800;
    float[][] x = new float[n][6];
    List<Set<Object>> y = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean p = rnd.nextBoolean();
      boolean q = rnd.nextBoolean();
      for (int j = 0; j < 6; j++) {
        x[i][j] = (float) rnd.nextGaussian() * 0.4f;
      }
      x[i][0] += p ? 2 : -2;
      x[i][1] += q ? 2 : -2;
      Set<Object> s = new java.util.TreeSet<>();
      if (p) {
        s.add("p");
      }
      if (q) {
        s.add("q");
      }
      y.add(s);
    }
    ClassifierTrainer.Result r = ClassifierTrainer.builder().hidden(16).seed(3).maxEpochs(80)
        .build().trainMultilabel(x, y);
    assertThat(r.mlp().multilabel()).isTrue();
    assertThat(r.classes()).containsExactly("p", "q");
    assertThat(r.report().accuracy()).isGreaterThan(0.9);
    pythonCheck("multilabel-mlp", r, x);
  }

  @Test
  void integerLabelsStayIntegers() {
    List<Object> y = new ArrayList<>();
    float[][] x = blobs(300, 6, y, new String[] {"10", "2", "3"});
    List<Object> ints = new ArrayList<>();
    for (Object o : y) {
      ints.add(Long.parseLong((String) o));
    }
    ClassifierTrainer.Result r = ClassifierTrainer.builder().hidden(8).maxEpochs(20).build()
        .train(x, ints);
    assertThat(r.classes()).containsExactly(2L, 3L, 10L);
  }

  @Test
  void badInputIsRefusedWithTheRule() {
    float[][] x = {{1}, {2}, {3}};
    assertThatThrownBy(() -> ClassifierTrainer.builder().build().train(x, List.of("a", "a", "a")))
        .hasMessageContaining("at least 2 classes");
    assertThatThrownBy(() -> ClassifierTrainer.builder().build().train(x, List.of("a", 1L, "b")))
        .hasMessageContaining("all be strings or all integers");
    assertThatThrownBy(() -> ClassifierTrainer.builder().build().train(x, List.of("a", "b")))
        .hasMessageContaining("3 rows but there are 2 labels");
    assertThatThrownBy(() -> ClassifierTrainer.builder().validation(1.5))
        .hasMessageContaining("validation share must be in (0, 1), was 1.5");
  }

  /** With MODEL2VEC_PYTHON_CHECK=DIR: DIR/NAME/pipeline.skops and inputs.json. */
  static void pythonCheck(String name, ClassifierTrainer.Result r, float[][] x)
      throws IOException {
    String dir = System.getenv("MODEL2VEC_PYTHON_CHECK");
    if (dir == null) {
      return;
    }
    Path out = Path.of(dir, name);
    Files.createDirectories(out);
    Files.write(out.resolve("pipeline.skops"), r.skops());
    ObjectNode root = JSON.createObjectNode();
    ArrayNode xs = root.putArray("x");
    ArrayNode ps = root.putArray("proba");
    for (int i = 0; i < Math.min(200, x.length); i++) {
      ArrayNode row = xs.addArray();
      for (float v : x[i]) {
        row.add(v);
      }
      ArrayNode p = ps.addArray();
      for (double v : r.predictProba(x[i])) {
        p.add(v);
      }
    }
    JSON.writeValue(out.resolve("inputs.json").toFile(), root);
  }
}
