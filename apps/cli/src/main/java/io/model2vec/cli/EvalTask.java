package io.model2vec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.app.CliFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One task file of {@code evaluate} (written by default-model/eval/build-eval.sh): a JSON object
 * a line, the task's kind the first word of the file name. {@code retrieval-*}: "query" and
 * "document" (query i must find document i); {@code classification-*} and {@code clustering-*}:
 * "text" and "label"; {@code similarity-*}: "a", "b" and a graded "score".
 */
final class EvalTask {
  enum Kind {
    RETRIEVAL("MRR"), CLASSIFICATION("macro-F1"), SIMILARITY("Spearman"), CLUSTERING("V-measure");

    final String metric;

    Kind(String metric) {
      this.metric = metric;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Seeded k-means runs whose mean V-measure is a clustering task's score. */
  static final int CLUSTERING_RUNS = 10;

  final String name;
  final Kind kind;
  final Path file;
  final String sha256;
  /** The texts to encode, each once, in order of first use. */
  final List<String> texts;
  /** Per line of the file: indices into {@link #texts} (1 or 2 of them). */
  final int[] first;
  final int[] second;
  /** Classification and clustering: label index per line; {@link #labels} names them. */
  final int[] label;
  final List<String> labels;
  /** Similarity: the grade per line. */
  final double[] grade;

  private EvalTask(String name, Kind kind, Path file, String sha256, List<String> texts,
      int[] first, int[] second, int[] label, List<String> labels, double[] grade) {
    this.name = name;
    this.kind = kind;
    this.file = file;
    this.sha256 = sha256;
    this.texts = texts;
    this.first = first;
    this.second = second;
    this.label = label;
    this.labels = labels;
    this.grade = grade;
  }

  /** Lines (queries, pairs, texts) the task scores. */
  int size() {
    return first.length;
  }

  /** The task files of {@code dir}, by name; {@code only} (if not empty) picks tasks by name. */
  static List<EvalTask> loadAll(Path dir, List<String> only) {
    if (!Files.isDirectory(dir)) {
      throw new CliFailure("no evaluation tasks: " + dir + " is not a folder (run "
          + "default-model/eval/build-eval.sh, or give --tasks)");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
    } catch (IOException e) {
      throw new CliFailure("cannot list " + dir + ": " + e.getMessage());
    }
    List<EvalTask> tasks = new ArrayList<>();
    for (Path f : files) {
      String name = f.getFileName().toString().replaceFirst("\\.jsonl$", "");
      if (only.isEmpty() || only.contains(name)) {
        tasks.add(load(f));
      }
    }
    if (tasks.isEmpty()) {
      throw new CliFailure("no evaluation tasks in " + dir + (only.isEmpty() ? "" : " named "
          + only) + " (run default-model/eval/build-eval.sh)");
    }
    return tasks;
  }

  static EvalTask load(Path file) {
    String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
    int dash = name.indexOf('-');
    Kind kind;
    try {
      kind = Kind.valueOf((dash < 0 ? name : name.substring(0, dash)).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CliFailure(file + ": a task file's name must start with retrieval-, "
          + "classification-, similarity- or clustering-");
    }
    Map<String, Integer> textIndex = new LinkedHashMap<>();
    Map<String, Integer> labelIndex = new LinkedHashMap<>();
    List<Integer> first = new ArrayList<>();
    List<Integer> second = new ArrayList<>();
    List<Integer> label = new ArrayList<>();
    List<Double> grade = new ArrayList<>();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new CliFailure("cannot read " + file + ": " + e.getMessage());
    }
    String sha256;
    try {
      sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\r?\n");
    for (int no = 1; no <= lines.length; no++) {
      String line = lines[no - 1];
      if (line.isBlank()) {
        continue;
      }
      JsonNode n;
      try {
        n = JSON.readTree(line);
      } catch (IOException e) {
        throw new CliFailure(file + ":" + no + ": not JSON: " + e.getMessage().split("\n")[0]);
      }
      switch (kind) {
        case RETRIEVAL -> {
          first.add(textIndex.computeIfAbsent(text(n, "query", file, no),
              k -> textIndex.size()));
          second.add(textIndex.computeIfAbsent(text(n, "document", file, no),
              k -> textIndex.size()));
        }
        case SIMILARITY -> {
          first.add(textIndex.computeIfAbsent(text(n, "a", file, no), k -> textIndex.size()));
          second.add(textIndex.computeIfAbsent(text(n, "b", file, no), k -> textIndex.size()));
          JsonNode s = n.get("score");
          if (s == null || !s.isNumber()) {
            throw new CliFailure(file + ":" + no + ": \"score\" must be a number");
          }
          grade.add(s.asDouble());
        }
        default -> {
          first.add(textIndex.computeIfAbsent(text(n, "text", file, no),
              k -> textIndex.size()));
          label.add(labelIndex.computeIfAbsent(text(n, "label", file, no),
              k -> labelIndex.size()));
        }
      }
    }
    if (first.isEmpty()) {
      throw new CliFailure(file + ": no lines");
    }
    if (kind == Kind.CLASSIFICATION || kind == Kind.CLUSTERING) {
      if (labelIndex.size() < 2) {
        throw new CliFailure(file + ": needs at least 2 labels, has " + labelIndex.size());
      }
    }
    return new EvalTask(name, kind, file, sha256,
        List.copyOf(textIndex.keySet()), ints(first), ints(second), ints(label),
        List.copyOf(labelIndex.keySet()), grade.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static String text(JsonNode n, String field, Path file, int no) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new CliFailure(file + ":" + no + ": \"" + field + "\" must be a non-blank string");
    }
    return v.asText();
  }

  private static int[] ints(List<Integer> l) {
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The task's score from the vectors of {@link #texts} (same order). */
  Result score(float[][] vectors, int folds, long seed, double c) {
    if (vectors.length != texts.size()) {
      throw new IllegalArgumentException(name + ": " + vectors.length + " vectors for "
          + texts.size() + " texts");
    }
    switch (kind) {
      case RETRIEVAL: {
        Evaluation.Retrieval r = Evaluation.retrieval(pick(vectors, first), pick(vectors, second));
        return new Result(r.mrr, "R@10", r.recallAt10);
      }
      case SIMILARITY: {
        double[] cos = new double[first.length];
        for (int i = 0; i < cos.length; i++) {
          cos[i] = Metrics.cosine(vectors[first[i]], vectors[second[i]]);
        }
        return new Result(Metrics.spearman(cos, grade), null, 0);
      }
      case CLASSIFICATION: {
        int[] pred = Metrics.crossValidatePredict(pick(vectors, first), label, folds, seed, c);
        return new Result(Metrics.macroF1(label, pred, labels.size()), "accuracy",
            Metrics.accuracy(label, pred));
      }
      default: {
        // One k-means run's V-measure moves by up to 0.04 with its seed (as much as most
        // differences between models): the score is the mean of CLUSTERING_RUNS seeded runs, as
        // MTEB averages its clustering runs, and their standard deviation is reported beside it.
        float[][] rows = pick(vectors, first);
        double[] v = new double[CLUSTERING_RUNS];
        for (int r = 0; r < v.length; r++) {
          v[r] = Metrics.vMeasure(label, Metrics.kMeans(rows, labels.size(), 5, seed + r));
        }
        double mean = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (v.length - 1);
        return new Result(mean, "sd", Math.sqrt(var));
      }
    }
  }

  private static float[][] pick(float[][] vectors, int[] idx) {
    float[][] out = new float[idx.length][];
    for (int i = 0; i < idx.length; i++) {
      out[i] = vectors[idx[i]];
    }
    return out;
  }

  /** The task's metric ({@link Kind#metric}) and a second one worth printing, if any. */
  static final class Result {
    final double score;
    final String extraName;
    final double extra;

    Result(double score, String extraName, double extra) {
      this.score = score;
      this.extraName = extraName;
      this.extra = extra;
    }
  }
}
