package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.app.CliFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** evaluate's public tasks: the task files, the metrics (against hand-computed values), the cache. */
class EvalTasksTest {
  @TempDir
  Path tmp;

  @Test
  void spearmanRanksTiesByTheirMeanRank() {
    // y ranks 1, 2, 3.5, 5, 3.5 against 1..5: sum dx dy = 8, sum dx^2 = 10, sum dy^2 = 9.5
    assertThat(Metrics.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7}))
        .isCloseTo(8 / Math.sqrt(95), within(1e-12));
    assertThat(Metrics.spearman(new double[] {1, 2, 3}, new double[] {30, 20, 10}))
        .isCloseTo(-1, within(1e-12));
    assertThat(Metrics.ranks(new double[] {0.5, 0.1, 0.5, 0.9})).containsExactly(2.5, 1, 2.5, 4);
  }

  @Test
  void vMeasureMatchesTheHandComputedValue() {
    // classes {0,0,1,1}, clusters {0,0,0,1}: homogeneity 1 - H(C|K)/H(C) = 0.311278,
    // completeness 1 - H(K|C)/H(K) = 0.383689, harmonic mean 0.343711 (scikit-learn agrees)
    assertThat(Metrics.vMeasure(new int[] {0, 0, 1, 1}, new int[] {0, 0, 0, 1}))
        .isCloseTo(0.3437110, within(1e-6));
    // renamed clusters change nothing; one cluster for all carries no information
    assertThat(Metrics.vMeasure(new int[] {0, 0, 1, 1, 2}, new int[] {2, 2, 0, 0, 1}))
        .isCloseTo(1, within(1e-12));
    assertThat(Metrics.vMeasure(new int[] {0, 0, 1, 1}, new int[] {0, 0, 0, 0})).isZero();
  }

  @Test
  void macroF1AveragesThePerClassF1() {
    int[] truth = {0, 0, 1, 1, 2, 2};
    int[] pred = {0, 1, 1, 1, 2, 0};
    // class 0: tp 1 fp 1 fn 1 -> 0.5; class 1: tp 2 fp 1 -> 0.8; class 2: tp 1 fn 1 -> 2/3
    assertThat(Metrics.macroF1(truth, pred, 3)).isCloseTo((0.5 + 0.8 + 2.0 / 3) / 3,
        within(1e-12));
    assertThat(Metrics.accuracy(truth, pred)).isCloseTo(4.0 / 6, within(1e-12));
    // a class never predicted counts 0
    assertThat(Metrics.macroF1(new int[] {0, 1}, new int[] {0, 0}, 2))
        .isCloseTo((2.0 / 3) / 2, within(1e-12));
  }

  @Test
  void kMeansFindsSeparatedGroupsAndLogisticRegressionTellsThreeClassesApart() {
    Random rnd = new Random(3);
    int n = 300;
    float[][] x = new float[n][8];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3;
      for (int j = 0; j < 8; j++) {
        x[i][j] = (float) (0.1 * rnd.nextGaussian());
      }
      x[i][y[i]] += 1; // three directions: far apart in cosine
    }
    int[] clusters = Metrics.kMeans(x, 3, 3, 7);
    assertThat(Metrics.vMeasure(y, clusters)).isCloseTo(1, within(1e-12));
    assertThat(Metrics.kMeans(x, 3, 3, 7)).containsExactly(clusters); // seeded
    int[] pred = Metrics.crossValidatePredict(x, y, 5, 1, 1.0);
    assertThat(Metrics.accuracy(y, pred)).isGreaterThan(0.97);
    int[] noise = new int[n];
    for (int i = 0; i < n; i++) {
      noise[i] = rnd.nextInt(3);
    }
    assertThat(Metrics.macroF1(noise, Metrics.crossValidatePredict(x, noise, 5, 1, 1.0), 3))
        .isLessThan(0.5);
  }

  @Test
  void taskFilesAreReadByKindAndScored() throws IOException {
    Path r = write("retrieval-tiny.jsonl",
        "{\"query\":\"q0\",\"document\":\"d0\"}",
        "{\"query\":\"q1\",\"document\":\"d1\"}",
        "{\"query\":\"q2\",\"document\":\"d2\"}");
    EvalTask t = EvalTask.load(r);
    assertThat(t.kind).isEqualTo(EvalTask.Kind.RETRIEVAL);
    assertThat(t.texts).containsExactly("q0", "d0", "q1", "d1", "q2", "d2");
    assertThat(t.sha256).hasSize(64);
    // q0 -> d0 first; q1 nearer d2 than d1 (rank 2); q2 -> d2 first: MRR (1 + 1/2 + 1) / 3
    float[][] v = {{1, 0}, {1, 0.1f}, {0, 1}, {0.7f, 0.7f}, {0.1f, 1}, {0.1f, 1}};
    EvalTask.Result res = t.score(v, 2, 1, 1.0);
    assertThat(res.score).isCloseTo(2.5 / 3, within(1e-12));
    assertThat(res.extra).isEqualTo(1.0); // recall@10

    Path s = write("similarity-tiny.jsonl",
        "{\"a\":\"x\",\"b\":\"y\",\"score\":1.0}",
        "{\"a\":\"x\",\"b\":\"z\",\"score\":0.5}",
        "{\"a\":\"y\",\"b\":\"z\",\"score\":0.1}");
    EvalTask sim = EvalTask.load(s);
    assertThat(sim.texts).containsExactly("x", "y", "z");
    float[][] sv = {{1, 0}, {0.9f, 0.1f}, {0, 1}};
    // cos(x,y) ~ 0.994, cos(x,z) = 0, cos(y,z) ~ 0.110: ranks 3, 1, 2 against grades 3, 2, 1
    assertThat(sim.score(sv, 2, 1, 1.0).score).isCloseTo(0.5, within(1e-12));

    Path c = write("clustering-tiny.jsonl",
        "{\"text\":\"a\",\"label\":\"one\"}", "{\"text\":\"b\",\"label\":\"one\"}",
        "{\"text\":\"c\",\"label\":\"two\"}", "{\"text\":\"d\",\"label\":\"two\"}");
    EvalTask cl = EvalTask.load(c);
    assertThat(cl.labels).containsExactly("one", "two");
    assertThat(cl.score(new float[][] {{1, 0}, {1, 0.05f}, {0, 1}, {0.05f, 1}}, 2, 1, 1.0).score)
        .isCloseTo(1, within(1e-12));
  }

  @Test
  void aClusteringScoreIsTheMeanOfSeededRunsWithTheirSpread() throws IOException {
    // 60 noisy points of 3 labels: k-means runs of different seeds end in different partitions
    Random rnd = new Random(5);
    String[] lines = new String[60];
    float[][] v = new float[60][];
    int[] label = new int[60];
    for (int i = 0; i < 60; i++) {
      label[i] = i % 3;
      lines[i] = "{\"text\":\"t" + i + "\",\"label\":\"l" + label[i] + "\"}";
      v[i] = new float[] {(float) (label[i] + 2.5 * rnd.nextGaussian()),
          (float) (2.5 * rnd.nextGaussian()), (float) rnd.nextGaussian()};
    }
    EvalTask task = EvalTask.load(write("clustering-noisy.jsonl", lines));
    long seed = 7;
    double[] runs = new double[EvalTask.CLUSTERING_RUNS];
    for (int r = 0; r < runs.length; r++) {
      runs[r] = Metrics.vMeasure(label, Metrics.kMeans(v, 3, 5, seed + r));
    }
    double mean = Arrays.stream(runs).average().orElseThrow();
    double sd = Math.sqrt(Arrays.stream(runs).map(x -> (x - mean) * (x - mean)).sum()
        / (runs.length - 1));
    assertThat(sd).as("the runs differ, so the mean is not one run's score").isPositive();
    EvalTask.Result result = task.score(v, 2, seed, 1.0);
    assertThat(result.score).isCloseTo(mean, within(1e-12));
    assertThat(result.extraName).isEqualTo("sd");
    assertThat(result.extra).isCloseTo(sd, within(1e-12));
  }

  @Test
  void badTaskFilesAreRefusedWithFileLineAndField() throws IOException {
    Path noKind = write("ranking-x.jsonl", "{\"query\":\"q\",\"document\":\"d\"}");
    assertThatThrownBy(() -> EvalTask.load(noKind)).isInstanceOf(CliFailure.class)
        .hasMessageContaining("ranking-x.jsonl").hasMessageContaining("retrieval-");
    Path noDoc = write("retrieval-x.jsonl", "{\"query\":\"q\",\"document\":\"d\"}",
        "{\"query\":\"q\"}");
    assertThatThrownBy(() -> EvalTask.load(noDoc)).isInstanceOf(CliFailure.class)
        .hasMessageContaining("retrieval-x.jsonl:2").hasMessageContaining("\"document\"");
    Path oneLabel = write("classification-x.jsonl", "{\"text\":\"a\",\"label\":\"l\"}");
    assertThatThrownBy(() -> EvalTask.load(oneLabel)).hasMessageContaining("at least 2 labels");
    assertThatThrownBy(() -> EvalTask.loadAll(tmp.resolve("missing"), List.of()))
        .isInstanceOf(CliFailure.class).hasMessageContaining("build-eval.sh");
  }

  @Test
  void theTeachersVectorsAreCachedByTaskFileAndTeacher() throws IOException {
    EvalTask t = EvalTask.load(write("retrieval-c.jsonl", "{\"query\":\"q\",\"document\":\"d\"}"));
    Path f = EvalCache.file(tmp.resolve("cache"), t, "teacher=a");
    assertThat(EvalCache.file(tmp.resolve("cache"), t, "teacher=b")).isNotEqualTo(f);
    assertThat(EvalCache.read(f, 2)).isNull();
    float[][] x = {{1, 2, 3}, {-4, 5.5f, 6}};
    EvalCache.write(f, x, System.err);
    assertThat(EvalCache.read(f, 2)).isDeepEqualTo(x);
    assertThat(EvalCache.read(f, 3)).isNull(); // another number of texts: not this file's
    Files.write(f, new byte[] {1, 2, 3});
    assertThat(EvalCache.read(f, 2)).isNull();
    // another task file content: another cache file
    EvalTask t2 = EvalTask.load(write("retrieval-c.jsonl", "{\"query\":\"Q\",\"document\":\"d\"}"));
    assertThat(EvalCache.file(tmp.resolve("cache"), t2, "teacher=a")).isNotEqualTo(f);
  }

  @Test
  void evaluatePrintsOneTablePerModelWithEveryTask() throws IOException {
    String[] topics = {"garden roses", "football match", "tax return", "holiday flights",
        "server outage", "piano lessons"};
    mailPackage(12, i -> "about the " + topics[i % 6] + " " + i, i -> "This message talks about the "
        + topics[i % 6] + " at length, number " + i + " of them, with more words here.");
    Path tasks = Files.createDirectories(tmp.resolve("tasks"));
    Files.writeString(tasks.resolve("retrieval-words.jsonl"),
        "{\"query\":\"dog\",\"document\":\"a domestic animal that barks\"}\n"
            + "{\"query\":\"car\",\"document\":\"a motor vehicle with four wheels\"}\n"
            + "{\"query\":\"bread\",\"document\":\"food baked from flour and water\"}\n");
    Files.writeString(tasks.resolve("clustering-topics.jsonl"),
        "{\"text\":\"the cat sat on the mat\",\"label\":\"pets\"}\n"
            + "{\"text\":\"my dog chases the cat\",\"label\":\"pets\"}\n"
            + "{\"text\":\"the stock market fell\",\"label\":\"money\"}\n"
            + "{\"text\":\"interest rates and bank loans\",\"label\":\"money\"}\n");
    JsonNode json = evaluateJson("--dataset", tmp.resolve("package").toString(), "--no-teacher",
        "--folds", "2", "--tasks", tasks.toString());
    JsonNode model = json.get("models").get(0);
    assertThat(model.get("model").asText()).startsWith("default");
    assertThat(model.get("tasks")).extracting(n -> n.get("task").asText()).containsExactly(
        "spam-classification", "spam-retrieval", "clustering-topics", "retrieval-words");
    JsonNode ret = model.get("tasks").get(3);
    assertThat(ret.get("metric").asText()).isEqualTo("MRR");
    assertThat(ret.get("size").asInt()).isEqualTo(3);
    assertThat(ret.get("score").asDouble()).isBetween(1 / 3.0, 1.0);
    assertThat(model.has("mean_kept")).isFalse(); // no teacher, nothing kept

    // a --tasks folder that is not there: one line naming it and the script
    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    int bad = DistillCommandTest.withStderr(err2, () -> Model2VecCli.run("evaluate",
        "--dataset", tmp.resolve("package").toString(), "--no-teacher", "--tasks",
        tmp.resolve("nowhere").toString()));
    assertThat(bad).isNotZero();
    assertThat(err2.toString(StandardCharsets.UTF_8)).contains("nowhere")
        .contains("build-eval.sh");
  }

  @Test
  void writeTextsListsEveryTextTheEvaluationEncodesOnceWithItsTask() throws IOException {
    mailPackage(6, i -> "Re: the garden roses " + i,
        i -> "This message talks about the garden roses at length, number " + i + " of them.");
    Path tasks = Files.createDirectories(tmp.resolve("tasks"));
    Files.writeString(tasks.resolve("retrieval-words.jsonl"),
        "{\"query\":\"dog\",\"document\":\"a domestic animal that barks\"}\n"
            + "{\"query\":\"car\",\"document\":\"a motor vehicle with four wheels\"}\n");
    Files.writeString(tasks.resolve("clustering-topics.jsonl"),
        "{\"text\":\"dog\",\"label\":\"pets\"}\n" // also a query above: written once
            + "{\"text\":\"the stock market fell\",\"label\":\"money\"}\n");
    Path out = tmp.resolve("texts.jsonl");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(DistillCommandTest.withStderr(err, () -> Model2VecCli.run("evaluate", "--dataset",
        tmp.resolve("package").toString(), "--limit", "4", "--tasks", tasks.toString(),
        "--write-texts", out.toString()))).isZero();
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> rows = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      rows.add(json.readTree(line));
    }
    Map<String, String> taskOf = new LinkedHashMap<>();
    for (JsonNode r : rows) {
      assertThat(taskOf.put(r.get("text").asText(), r.get("task").asText())).isNull();
    }
    // the 4 sampled messages (subject and body), their subjects without "Re:" and their bodies
    assertThat(taskOf.values()).filteredOn("spam-classification"::equals).hasSize(4);
    assertThat(taskOf.values()).filteredOn("spam-retrieval"::equals).hasSize(8);
    assertThat(taskOf.keySet()).filteredOn(t -> t.startsWith("the garden roses ")).hasSize(4);
    assertThat(taskOf).containsEntry("dog", "clustering-topics")
        .containsEntry("a motor vehicle with four wheels", "retrieval-words")
        .containsEntry("the stock market fell", "clustering-topics");
    assertThat(rows).hasSize(4 + 8 + 5);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("17 texts of 4 tasks");

    ByteArrayOutputStream err2 = new ByteArrayOutputStream();
    assertThat(DistillCommandTest.withStderr(err2, () -> Model2VecCli.run("evaluate", "--dataset",
        tmp.resolve("package").toString(), "--write-texts", out.toString(), "--write-held-out",
        tmp.resolve("held.tsv").toString()))).isNotZero();
    assertThat(err2.toString(StandardCharsets.UTF_8)).contains("give one of them");
  }

  @Test
  void theTeacherPoolsAsAskedAndCachesEachPoolingApart() throws IOException {
    mailPackage(8, i -> (i % 2 == 0 ? "meeting notes " : "cheap pills ") + i,
        i -> "The body of message " + i + " says a few more words about the plan for next week.");
    Path tasks = Files.createDirectories(tmp.resolve("tasks"));
    Files.writeString(tasks.resolve("similarity-pairs.jsonl"),
        "{\"a\":\"a cat\",\"b\":\"a kitten\",\"score\":0.9}\n"
            + "{\"a\":\"a cat\",\"b\":\"tax law\",\"score\":0.1}\n"
            + "{\"a\":\"bread\",\"b\":\"a loaf\",\"score\":0.8}\n");
    Map<String, JsonNode> teacher = new java.util.HashMap<>();
    for (String pooling : new String[] {"mean", "cls"}) {
      JsonNode json = evaluateJson("--dataset", tmp.resolve("package").toString(), "--folds", "2",
          "--tasks", tasks.toString(), "--teacher-pooling", pooling);
      teacher.put(pooling, json.get("spam_assassin").get(0));
    }
    // each pooling has its own cache file (a cls run must not read the mean's vectors back),
    // and [CLS] states are other vectors than the means
    assertThat(teacher.get("cls").get("model").asText()).startsWith("teacher");
    List<Path> cached;
    try (java.util.stream.Stream<Path> files = Files.list(tasks.resolve("teacher-cache"))) {
      cached = files.sorted().collect(java.util.stream.Collectors.toList());
    }
    assertThat(cached).hasSize(2);
    assertThat(Files.readAllBytes(cached.get(0))).isNotEqualTo(Files.readAllBytes(cached.get(1)));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int bad = DistillCommandTest.withStderr(err, () -> Model2VecCli.run("evaluate", "--dataset",
        tmp.resolve("package").toString(), "--tasks", tasks.toString(),
        "--teacher-pooling", "max"));
    assertThat(bad).isNotZero();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("--teacher-pooling must be mean or cls, was 'max'");
  }

  /** Runs {@code evaluate ARGS --format json}, checks that it succeeded, and parses its output. */
  private static JsonNode evaluateJson(String... args) throws IOException {
    String[] all = new String[args.length + 3];
    all[0] = "evaluate";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--format";
    all[args.length + 2] = "json";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.out;
    int code;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      code = DistillCommandTest.withStderr(err, () -> Model2VecCli.run(all));
    } finally {
      System.setOut(old);
    }
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
  }

  private Path write(String name, String... lines) throws IOException {
    Path f = tmp.resolve(name);
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  /**
   * An npm-layout SpamAssassin package of n messages under tmp/package, even ones ham and odd
   * ones spam, message i with the given subject and body.
   */
  private void mailPackage(int n, IntFunction<String> subject, IntFunction<String> body)
      throws IOException {
    Files.createDirectories(tmp.resolve("package/data/easy-ham-1"));
    Files.createDirectories(tmp.resolve("package/data/spam-1"));
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < n; i++) {
      String group = i % 2 == 0 ? "easy-ham-1" : "spam-1";
      Files.writeString(tmp.resolve("package/data/" + group + "/" + String.format("%05d.json", i)),
          json.createObjectNode().put("group", group)
              .put("text", "Subject: " + subject.apply(i) + "\n\n" + body.apply(i) + "\n")
              .toString());
    }
  }
}
