package io.model2vec.cli;

import static io.model2vec.cli.DistillCommandTest.withStderr;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/model2vec train-classifier on the fortunes' languages, with the fixture model. */
class TrainClassifierCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;
  static Path lang;
  static Path multi;
  static String model;

  @BeforeAll
  static void data() throws IOException {
    model = Fixtures.model("test-model-float32").toString();
    List<String> langLines = new ArrayList<>();
    List<String> multiLines = new ArrayList<>();
    List<String> all = Files.readAllLines(Fixtures.testdata().resolve(
        "corpora/fortunes-en-de.jsonl"));
    for (String l : all.subList(0, 600)) {
      JsonNode n = JSON.readTree(l);
      String text = n.get("text").asText();
      langLines.add(JSON.createObjectNode().put("text", text).put("label", n.get("lang")
          .asText()).toString());
      var o = JSON.createObjectNode().put("text", text);
      var labels = o.putArray("label").add(n.get("lang").asText());
      if (text.length() >= 170) {
        labels.add("long");
      }
      multiLines.add(o.toString());
    }
    lang = Files.write(tmp.resolve("lang.jsonl"), langLines);
    multi = Files.write(tmp.resolve("multi.jsonl"), multiLines);
  }

  static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      return withStderr(err, () -> Model2VecCli.run(args));
    } finally {
      System.setOut(old);
    }
  }

  @Test
  void writesAPipelineFolderAndReportsDeterministically() throws IOException {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] args = {"train-classifier", "--model", model, "--input", lang.toString(),
        "--hidden", "32", "--epochs", "30", "--seed", "3", "--output", a.toString()};
    assertThat(run(out, err, args)).as(err.toString(StandardCharsets.UTF_8)).isZero();
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(report).contains("held-out split (61 examples") // 10 % of each language.contains("precision")
        .contains("de ").contains("en ").contains("macro avg").contains("accuracy");
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("epoch 1: loss")
        .contains("training an MLP 2 -> 32 -> labels");
    assertThat(a.resolve("config.json")).exists();
    assertThat(a.resolve("tokenizer.json")).exists();
    assertThat(Files.readAllBytes(a.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(Path.of(model, "model.safetensors")));
    try (ZipFile z = new ZipFile(a.resolve("pipeline.skops").toFile())) {
      JsonNode schema = JSON.readTree(z.getInputStream(z.getEntry("schema.json")));
      assertThat(schema.get("protocol").asInt()).isEqualTo(2);
      assertThat(schema.at("/content/content/steps/content/0/content/1/__class__").asText())
          .isEqualTo("MLPClassifier");
    }
    try (StaticModel m = StaticModel.load(a)) {
      assertThat(m.dimension()).isEqualTo(2);
    }
    args[args.length - 1] = b.toString();
    assertThat(run(new ByteArrayOutputStream(), err, args)).isZero();
    assertThat(Files.readAllBytes(b.resolve("pipeline.skops")))
        .isEqualTo(Files.readAllBytes(a.resolve("pipeline.skops")));
    // an existing folder is replaced, and nothing is left beside it
    assertThat(run(new ByteArrayOutputStream(), err, args)).isZero();
    try (var s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
    }
  }

  @Test
  void linearAndMultilabelHeads() throws IOException {
    Path lr = tmp.resolve("lr");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(run(new ByteArrayOutputStream(), err, "train-classifier", "--model", model,
        "--input", lang.toString(), "--layers", "0", "--epochs", "20", "--output",
        lr.toString())).as(err.toString(StandardCharsets.UTF_8)).isZero();
    try (ZipFile z = new ZipFile(lr.resolve("pipeline.skops").toFile())) {
      JsonNode schema = JSON.readTree(z.getInputStream(z.getEntry("schema.json")));
      assertThat(schema.at("/content/content/steps/content/0/content/1/__class__").asText())
          .isEqualTo("LogisticRegression");
    }
    Path ml = tmp.resolve("ml");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(run(out, err, "train-classifier", "--model", model, "--input", multi.toString(),
        "--multilabel", "--hidden", "16", "--epochs", "20", "--evaluate", multi.toString(),
        "--output", ml.toString())).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("long ")
        .contains(multi + " (600 examples)");
    try (ZipFile z = new ZipFile(ml.resolve("pipeline.skops").toFile())) {
      JsonNode schema = JSON.readTree(z.getInputStream(z.getEntry("schema.json")));
      assertThat(schema.at("/content/content/steps/content/0/content/1/content/content/"
          + "out_activation_/content").asText()).isEqualTo("\"logistic\"");
    }
  }

  @Test
  void usageErrorsExitTwoAndBadDataOne() throws IOException {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Path out = tmp.resolve("never");
    assertThat(run(new ByteArrayOutputStream(), err, "train-classifier", "--input",
        lang.toString(), "--output", out.toString(), "--dimensions", "32")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--dimensions cannot be used");
    assertThat(run(new ByteArrayOutputStream(), err, "train-classifier", "--input",
        lang.toString(), "--output", out.toString(), "--layers", "-1")).isEqualTo(2);
    assertThat(run(new ByteArrayOutputStream(), err, "train-classifier", "--input",
        lang.toString(), "--output", out.toString(), "--validation", "1")).isEqualTo(2);
    Path bad = Files.writeString(tmp.resolve("bad.jsonl"),
        "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": 1.5}\n");
    err.reset();
    assertThat(run(new ByteArrayOutputStream(), err, "train-classifier", "--model", model,
        "--input", bad.toString(), "--output", out.toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8).trim()).isEqualTo("model2vec "
        + "train-classifier: " + bad + ":2: \"label\" must be a string or an integer, was number");
    Path one = Files.writeString(tmp.resolve("one.jsonl"),
        "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": \"x\"}\n");
    err.reset();
    assertThat(run(new ByteArrayOutputStream(), err, "train-classifier", "--model", model,
        "--input", one.toString(), "--output", out.toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("at least 2 classes");
    assertThat(out).doesNotExist();
  }
}
