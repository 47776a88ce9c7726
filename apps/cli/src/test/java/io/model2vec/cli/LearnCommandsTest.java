package io.model2vec.cli;

import static io.model2vec.cli.DistillCommandTest.withStderr;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.StaticModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/model2vec featurize (stopped and resumed) then train, on a small corpus. */
class LearnCommandsTest {
  @TempDir
  static Path tmp;
  static Path features;
  static String featurizeLog;

  @BeforeAll
  static void featurize() throws IOException {
    String[] subjects = {"The river", "A tired engineer", "Our small town", "The old library",
        "Every winter storm", "The night train"};
    String[] verbs = {"carries", "remembers", "welcomes", "hides", "brings", "follows"};
    String[] objects = {"the quiet boats home", "a forgotten song", "visitors from far away",
        "letters nobody read", "snow across the hills", "the lights of the city"};
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 460; i++) { // the PCA to the start model's 384 dims needs 384 passages
      b.append("{\"text\": \"").append(subjects[i % 6]).append(' ').append(verbs[(i / 6) % 6])
          .append(' ').append(objects[(i / 36) % 6]).append(" (").append(i).append(").\"}\n");
    }
    Path corpus = Files.writeString(tmp.resolve("corpus.jsonl"), b.toString());
    features = tmp.resolve("features");
    String[] args = {"featurize", "--teacher", "bge-small-en-v1.5", "--input",
        corpus.toString(), "--output", features.toString(), "--chunk-size", "100",
        "--batch-size", "16", "--threads", "2", "--log-progress"};
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] stopped = java.util.Arrays.copyOf(args, args.length + 2);
    stopped[args.length] = "--stop-after-chunks";
    stopped[args.length + 1] = "2";
    assertThat(withStderr(err, () -> Model2VecCli.run(stopped))).isZero();
    assertThat(withStderr(err, () -> Model2VecCli.run(args))).isZero();
    featurizeLog = err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void featurizeStopsAndResumes() {
    assertThat(featurizeLog).contains("model2vec featurize: 200 of 460 passages done (200 this run")
        .contains("model2vec featurize: resumed after 200; 460 of 460 passages done (260 this run")
        .contains("passages/s").contains("ETA");
  }

  @Test
  void trainWritesALoadableModelWithTheStartModelsVocabularyAndDimensions() throws IOException {
    Path out = tmp.resolve("trained");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] args = {"train", "--features", features.toString(), "--output", out.toString(),
        "--epochs", "2", "--batch-size", "32", "--validation", "0.1", "--dtype", "f16"};
    // the built-in model (384 dims, the teacher's width) is the start
    assertThat(withStderr(err, () -> Model2VecCli.run(args)))
        .as(err.toString(StandardCharsets.UTF_8)).isZero();
    String log = err.toString(StandardCharsets.UTF_8);
    assertThat(log).contains("train: targets: centred and rotated by PCA at their own 384 dimensions")
        .contains("train: epoch 2:").contains("model2vec train: validation loss");
    JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
    assertThat(config.get("training").asText()).isEqualTo("tokenlearn");
    assertThat(config.get("tokenizer_name").asText()).isEqualTo("BAAI/bge-small-en-v1.5");
    try (StaticModel trained = StaticModel.load(out);
        StaticModel start = StaticModel.load((String) null)) {
      assertThat(trained.dimension()).isEqualTo(start.dimension());
      assertThat(trained.vocabularySize()).isEqualTo(start.vocabularySize());
      assertThat(trained.tableDtype()).isEqualTo("F16");
      assertThat(trained.encode("the night train")).isNotEqualTo(start.encode("the night train"));
    }
    // deterministic: the same command gives the same file
    Path again = tmp.resolve("again");
    args[4] = again.toString();
    assertThat(withStderr(err, () -> Model2VecCli.run(args))).isZero();
    assertThat(Files.readAllBytes(again.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(out.resolve("model.safetensors")));
  }

  @Test
  void trainReadsSeveralFeatureFoldersInTheOrderGiven() throws IOException {
    String[] animals = {"A grey heron", "The neighbour's cat", "An old horse", "Two foxes"};
    String[] places = {"by the canal", "in the garden", "behind the barn", "under the bridge"};
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 60; i++) {
      b.append("{\"text\": \"").append(animals[i % 4]).append(" waits ").append(places[(i / 4) % 4])
          .append(" at ").append(i).append(" o'clock.\"}\n");
    }
    Path corpus2 = Files.writeString(tmp.resolve("corpus-2.jsonl"), b.toString());
    Path features2 = tmp.resolve("features-2");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(withStderr(err, () -> Model2VecCli.run("featurize", "--teacher",
        "bge-small-en-v1.5", "--input", corpus2.toString(), "--output", features2.toString(),
        "--threads", "1", "--log-progress"))).as(err.toString(StandardCharsets.UTF_8)).isZero();

    Path both = tmp.resolve("both");
    Path comma = tmp.resolve("comma");
    Path first = tmp.resolve("first-only");
    String f1 = features.toString();
    String f2 = features2.toString();
    assertThat(withStderr(err, () -> Model2VecCli.run("train", "--features", f1, "--features",
        f2, "--output", both.toString(), "--epochs", "1", "--batch-size", "32")))
        .as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("model2vec train: 520 passages from 2 feature folders");
    assertThat(withStderr(err, () -> Model2VecCli.run("train", "--features", f1 + "," + f2,
        "--output", comma.toString(), "--epochs", "1", "--batch-size", "32"))).isZero();
    assertThat(withStderr(err, () -> Model2VecCli.run("train", "--features", f1,
        "--output", first.toString(), "--epochs", "1", "--batch-size", "32"))).isZero();
    byte[] bothTable = Files.readAllBytes(both.resolve("model.safetensors"));
    assertThat(Files.readAllBytes(comma.resolve("model.safetensors"))).isEqualTo(bothTable);
    assertThat(Files.readAllBytes(first.resolve("model.safetensors"))).isNotEqualTo(bothTable);

    // targets cut at another length are not the same training set
    Path other = tmp.resolve("features-other");
    Files.createDirectories(other);
    Files.copy(features2.resolve("features.bin"), other.resolve("features.bin"));
    Files.writeString(other.resolve("meta.json"), Files.readString(features2.resolve("meta.json"))
        .replaceFirst("\"max_tokens\" : \\d+", "\"max_tokens\" : 64"));
    ByteArrayOutputStream bad = new ByteArrayOutputStream();
    assertThat(withStderr(bad, () -> Model2VecCli.run("train", "--features", f1, "--features",
        other.toString(), "--output", tmp.resolve("x").toString()))).isEqualTo(1);
    assertThat(bad.toString(StandardCharsets.UTF_8))
        .contains(other.resolve("meta.json") + ": \"max_tokens\" is 64 but 256 in "
            + features.resolve("meta.json"));
  }

  @Test
  void badTrainOptionsAreUsageErrors() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(withStderr(err, () -> Model2VecCli.run("train", "--features",
        features.toString(), "--output", tmp.resolve("x").toString(), "--loss", "hinge")))
        .isEqualTo(2);
    assertThat(withStderr(err, () -> Model2VecCli.run("train", "--features",
        features.toString(), "--output", tmp.resolve("x").toString(), "--validation", "1.5")))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--loss must be contrastive, cosine or mse, was 'hinge'")
        .contains("validation must be in (0, 1), was 1.5");
    assertThat(withStderr(err, () -> Model2VecCli.run("train", "--features",
        tmp.resolve("nothing").toString(), "--output", tmp.resolve("x").toString())))
        .isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("nothing/meta.json");
  }
}
