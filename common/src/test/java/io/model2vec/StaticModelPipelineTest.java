package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pipeline of {@code testdata/fixtures/pipelines} against the outputs of Python's
 * model2vec + scikit-learn for 305 texts: probabilities and projections within 1e-5, labels
 * equal.
 */
class StaticModelPipelineTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;

  static Path pipelines() {
    return Fixtures.testdata().resolve("fixtures/pipelines");
  }

  /** A pipeline folder: the fixture model's files and the fixture's pipeline.skops. */
  static Path pipelineFolder(String name) throws IOException {
    Path dir = tmp.resolve(name);
    if (!Files.exists(dir)) {
      Fixtures.modelCopy("test-model-float32", dir);
      Files.copy(pipelines().resolve(name).resolve(StaticModelPipeline.FILE),
          dir.resolve(StaticModelPipeline.FILE));
    }
    return dir;
  }

  static Stream<String> fixtures() throws IOException {
    try (Stream<Path> s = Files.list(pipelines())) {
      return s.filter(p -> Files.exists(p.resolve("expected.jsonl")))
          .map(p -> p.getFileName().toString()).sorted().toList().stream();
    }
  }

  static List<JsonNode> expected(String name) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(pipelines().resolve(name).resolve("expected.jsonl"))) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void matchesThePythonReference(String name) throws IOException {
    List<JsonNode> expected = expected(name);
    assertThat(expected).hasSize(305);
    try (StaticModelPipeline p = StaticModelPipeline.load(pipelineFolder(name))) {
      List<String> texts = new ArrayList<>();
      for (JsonNode e : expected) {
        texts.add(e.get("text").asText());
      }
      String kind = expected.get(0).get("kind").asText();
      assertThat(p.kind().name().toLowerCase(java.util.Locale.ROOT)).isEqualTo(kind);
      if (kind.equals("projector")) {
        float[][] batch = p.project(texts);
        for (int i = 0; i < expected.size(); i++) {
          JsonNode out = expected.get(i).get("output");
          float[] one = p.project(texts.get(i));
          assertThat(one).hasSize(out.size()).containsExactly(batch[i]);
          for (int j = 0; j < out.size(); j++) {
            assertThat((double) one[j]).as("%s text %d output %d", name, i, j)
                .isCloseTo(out.get(j).asDouble(), within(1e-5));
          }
        }
        return;
      }
      List<String> classes = new ArrayList<>();
      expected.get(0).get("classes").forEach(c -> classes.add(c.asText()));
      assertThat(p.classes()).isEqualTo(classes);
      assertThat(p.hasIntegerClasses()).isEqualTo(expected.get(0).get("classes").get(0).isInt());
      float[][] batch = p.predictProba(texts);
      List<List<String>> labels = p.predictLabels(texts);
      for (int i = 0; i < expected.size(); i++) {
        JsonNode e = expected.get(i);
        float[] proba = p.predictProba(texts.get(i));
        assertThat(proba).containsExactly(batch[i]);
        JsonNode want = e.get("proba");
        assertThat(proba).hasSize(want.size());
        for (int j = 0; j < want.size(); j++) {
          assertThat((double) proba[j]).as("%s text %d (%s) class %d", name, i,
              e.get("id"), j).isCloseTo(want.get(j).asDouble(), within(1e-5));
        }
        if (kind.equals("multilabel")) {
          List<String> want2 = new ArrayList<>();
          e.get("labels").forEach(l -> want2.add(l.asText()));
          assertThat(p.predictLabels(texts.get(i))).as("%s text %d", name, i).isEqualTo(want2);
          assertThat(labels.get(i)).isEqualTo(want2);
        } else {
          assertThat(p.predict(texts.get(i))).as("%s text %d", name, i)
              .isEqualTo(e.get("label").asText());
          assertThat(labels.get(i)).containsExactly(e.get("label").asText());
        }
      }
    }
  }

  @Test
  void refusesTheRandomForestNamingTheClass() throws IOException {
    Path dir = tmp.resolve("forest");
    Fixtures.modelCopy("test-model-float32", dir);
    Files.copy(pipelines().resolve("unsupported-random-forest").resolve(StaticModelPipeline.FILE),
        dir.resolve(StaticModelPipeline.FILE));
    assertThatThrownBy(() -> StaticModelPipeline.load(dir))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining(dir.resolve(StaticModelPipeline.FILE).toString())
        .hasMessageContaining("sklearn.ensemble._forest.RandomForestClassifier")
        .hasMessageContaining("not supported")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void nullInNullOutAndKindChecks() throws IOException {
    try (StaticModelPipeline multi = StaticModelPipeline.load(pipelineFolder("mlp-multilabel"));
        StaticModelPipeline proj = StaticModelPipeline.load(pipelineFolder("mlp-projector"))) {
      assertThat(multi.isMultilabel()).isTrue();
      assertThat(multi.predictLabels((String) null)).isNull();
      assertThat(multi.predictProba((String) null)).isNull();
      assertThat(multi.predictProba(java.util.Arrays.asList("a", null)))
          .satisfies(r -> assertThat(r[1]).isNull());
      assertThatThrownBy(() -> multi.predict("x")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("predictLabels");
      assertThatThrownBy(() -> proj.predictProba("x")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("project");
      assertThat(proj.project((String) null)).isNull();
      assertThat(proj.outputDimension()).isEqualTo(2);
      // A threshold of 0 gives every class with a positive probability, of 1 none.
      assertThat(multi.withThreshold(0).predictLabels("Guten Tag")).isEqualTo(multi.classes());
      assertThat(multi.withThreshold(1).predictLabels("Guten Tag")).isEmpty();
      assertThatThrownBy(() -> multi.withThreshold(1.5))
          .hasMessage("threshold must be in [0, 1], was 1.5");
    }
  }

  @Test
  void aFolderWithoutTheHeadIsNamed() {
    Path model = Fixtures.model("test-model-float32");
    assertThatThrownBy(() -> StaticModelPipeline.load(model))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining(model.toString()).hasMessageContaining("has no pipeline.skops");
  }

  @Test
  void hubPipelinesGetTheirHeadDownloadedBesideTheModel() throws IOException {
    Path folder = pipelineFolder("logreg-multiclass");
    try (LocalHub hub = LocalHub.serve(java.util.Map.of("org/langs", folder,
        "org/model-only", Fixtures.model("test-model-float32")), tmp.resolve("hub-cache"))) {
      try (StaticModelPipeline fromHub = StaticModelPipeline.load("org/langs");
          StaticModelPipeline local = StaticModelPipeline.load(folder)) {
        for (String text : List.of("Der Hund bellt.", "The dog barks.", "")) {
          assertThat(fromHub.predictProba(text)).containsExactly(local.predictProba(text));
        }
      }
      assertThat(hub.requests()).anyMatch(r -> r.endsWith("/pipeline.skops"));
      Path resolved = StaticModelPipeline.resolveFolder("org/langs", LoadOptions.defaults());
      assertThat(resolved.resolve(StaticModelPipeline.FILE)).exists();
      assertThatThrownBy(() -> StaticModelPipeline.load("org/model-only"))
          .isInstanceOf(Model2VecException.class).hasMessageContaining("has no pipeline.skops");
    }
  }

  @Test
  void sharedPipelinesAreLoadedOncePerJvm() throws IOException {
    String dir = pipelineFolder("logreg-multiclass").toString();
    StaticModelPipeline a = StaticModelPipeline.shared(dir, LoadOptions.defaults());
    StaticModelPipeline b = StaticModelPipeline.shared(dir, LoadOptions.defaults());
    assertThat(b).isSameAs(a);
    assertThat(a.model()).isSameAs(StaticModel.shared(dir, LoadOptions.defaults()));
    assertThat(a.predict("Der Hund bellt.")).isEqualTo(StaticModelPipeline.load(dir)
        .predict("Der Hund bellt."));
  }
}
