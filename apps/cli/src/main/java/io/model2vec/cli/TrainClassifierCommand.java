package io.model2vec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.StaticModel;
import io.model2vec.app.CliFailure;
import io.model2vec.app.ModelOptions;
import io.model2vec.pipeline.PipelineSaver;
import io.model2vec.pipeline.train.ClassifierTrainer;
import io.model2vec.pipeline.train.Report;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code model2vec train-classifier}: a classifier head on a static model, saved for Python. */
@Command(name = "train-classifier", mixinStandardHelpOptions = true,
    description = {
        "Trains a classifier head on the embeddings of labelled texts and saves a model2vec "
            + "pipeline folder (the model's files and pipeline.skops, scikit-learn 1.2.1 as "
            + "skops writes it) that Python's StaticModelPipeline.from_pretrained loads and "
            + "model2vec classify runs.",
        "The head: an MLPClassifier (ReLU hidden layers, softmax outputs; with --multilabel one "
            + "logistic output per label) trained with Adam on minibatches with an L2 penalty, "
            + "or with --layers 0 a logistic regression. A share of the examples (--validation, "
            + "stratified by label) is held out: training stops after --patience epochs without "
            + "a lower validation loss and keeps the best epoch's weights. Prints precision, "
            + "recall and F1 per label, their macro average and the accuracy on the held-out "
            + "examples (and on --evaluate). Deterministic for a --seed."})
final class TrainClassifierCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--input", paramLabel = "F", required = true,
      description = "Labelled JSONL: one object a line with the text and its label (a string or "
          + "an integer; with --multilabel an array of them, or one).")
  Path input;

  @Option(names = "--output", paramLabel = "DIR", required = true,
      description = "Pipeline folder to write; appears whole when the run succeeds (an existing "
          + "folder is replaced).")
  Path output;

  @Option(names = "--text-column", paramLabel = "NAME", defaultValue = "text",
      description = "Field of the text (default: ${DEFAULT-VALUE}).")
  String textColumn;

  @Option(names = "--label-column", paramLabel = "NAME", defaultValue = "label",
      description = "Field of the label(s) (default: ${DEFAULT-VALUE}).")
  String labelColumn;

  @Option(names = "--multilabel",
      description = "Each text has a set of labels (an array); the head predicts every label "
          + "whose probability is above 0.5.")
  boolean multilabel;

  @Option(names = "--hidden", paramLabel = "N", defaultValue = "512",
      description = "Units per hidden layer (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--layers", paramLabel = "N", defaultValue = "1",
      description = "Hidden layers; 0 for a linear head, saved as a LogisticRegression unless "
          + "--multilabel (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "200",
      description = "At most N epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--patience", paramLabel = "N", defaultValue = "5",
      description = "Stop after N epochs without a lower validation loss (default: "
          + "${DEFAULT-VALUE}).")
  int patience;

  @Option(names = "--validation", paramLabel = "SHARE", defaultValue = "0.1",
      description = "Share of the examples held out (default: ${DEFAULT-VALUE}).")
  double validation;

  @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "1e-3",
      description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--alpha", paramLabel = "A", defaultValue = "1e-4",
      description = "L2 penalty, as scikit-learn's alpha (default: ${DEFAULT-VALUE}).")
  double alpha;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "0",
      description = "Examples per step; 0 picks model2vec's trainer's size, 32 to 512 by the "
          + "data's size (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
      description = "Seed of the split, the initial weights and the order (default: "
          + "${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--evaluate", paramLabel = "F",
      description = "Also report on this labelled JSONL (same columns), e.g. a test set.")
  Path evaluate;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "Threads encoding the texts and computing each batch; 0 = all cores; the "
          + "result is the same for any number (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--quiet", description = "No line per epoch on stderr.")
  boolean quiet;

  /** The labelled texts of a file: texts and labels (Object or Set of Objects) in order. */
  static final class Labelled {
    final List<String> texts = new ArrayList<>();
    final List<Object> labels = new ArrayList<>();
  }

  @Override
  public Integer call() {
    if (layers < 0 || hidden < 1 || threads < 0) {
      throw new ParameterException(spec.commandLine(), "need --layers >= 0, --hidden >= 1, "
          + "--threads >= 0; got " + layers + ", " + hidden + ", " + threads);
    }
    List<String> args = spec.commandLine().getParseResult().originalArgs();
    for (String flag : List.of("--dimensions", "--normalize")) {
      if (args.stream().anyMatch(a -> a.equals(flag) || a.startsWith(flag + "="))) {
        // the saved folder holds the model's own files, which Python encodes with as they say
        throw new ParameterException(spec.commandLine(), flag + " cannot be used with "
            + "train-classifier: the pipeline folder carries the model's files unchanged, and "
            + "the head must see the vectors they give");
      }
    }
    ClassifierTrainer trainer;
    try {
      int[] sizes = new int[layers];
      java.util.Arrays.fill(sizes, hidden);
      int cores = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
      trainer = ClassifierTrainer.builder().hidden(sizes).threads(cores).maxEpochs(epochs)
          .patience(patience)
          .validation(validation).learningRate(learningRate).alpha(alpha).batchSize(batchSize)
          .seed(seed).progress(quiet ? null : System.err).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintStream err = System.err;
    long t0 = System.nanoTime();
    Labelled data = read(input);
    Labelled test = evaluate == null ? null : read(evaluate);
    ClassifierTrainer.Result r;
    float[][] testX = null;
    try (StaticModel model = modelOptions.load()) {
      err.printf(Locale.ROOT, "model2vec train-classifier: %d examples from %s, encoding with "
          + "%s ...%n", data.texts.size(), input, model.description());
      int par = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
      float[][] x = model.encode(data.texts, ForkJoinPool.commonPool(), par);
      if (test != null) {
        testX = model.encode(test.texts, ForkJoinPool.commonPool(), par);
      }
      err.printf(Locale.ROOT, "model2vec train-classifier: encoded in %.1f s; training %s%n",
          (System.nanoTime() - t0) / 1e9, layers == 0 ? "a linear head"
              : "an MLP " + model.dimension() + (" -> " + hidden).repeat(layers) + " -> labels");
      try {
        if (multilabel) {
          List<Set<Object>> sets = new ArrayList<>();
          for (Object o : data.labels) {
            @SuppressWarnings("unchecked")
            Set<Object> s = (Set<Object>) o;
            sets.add(s);
          }
          r = trainer.trainMultilabel(x, sets);
        } else {
          r = trainer.train(x, data.labels);
        }
      } catch (IllegalArgumentException e) {
        throw new CliFailure(input + ": " + e.getMessage());
      }
    }
    PrintStream out = System.out;
    out.printf(Locale.ROOT, "held-out split (%d examples, best epoch %d of %d, validation loss "
        + "%.5f):%n", r.report().examples(), r.bestEpoch(), r.epochs(), r.bestValidationLoss());
    out.print(r.report());
    if (test != null) {
      Report rep = r.report(testX, test.labels);
      out.printf(Locale.ROOT, "%s (%d examples):%n", evaluate, rep.examples());
      out.print(rep);
    }
    writeFolder(r.skops());
    err.printf(Locale.ROOT, "model2vec train-classifier: wrote %s in %.1f s%n", output,
        (System.nanoTime() - t0) / 1e9);
    return 0;
  }

  /** Texts and labels of a labelled JSONL file; a bad line fails the run naming it. */
  Labelled read(Path file) {
    Labelled l = new Labelled();
    try (BufferedReader br = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long lineNo = 0;
      for (String line; (line = br.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new CliFailure(file + ":" + lineNo + ": not a JSON object ("
              + e.getOriginalMessage() + ")");
        }
        if (n == null || !n.isObject()) {
          throw new CliFailure(file + ":" + lineNo + ": not a JSON object");
        }
        JsonNode text = n.get(textColumn);
        if (text == null || !text.isTextual()) {
          throw new CliFailure(file + ":" + lineNo + ": no string \"" + textColumn + "\"");
        }
        l.texts.add(text.asText());
        l.labels.add(label(n.get(labelColumn), file, lineNo));
      }
    } catch (NoSuchFileException e) {
      throw new CliFailure("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new CliFailure("cannot read " + file + ": " + AtomicOutput.reason(e));
    }
    if (l.texts.isEmpty()) {
      throw new CliFailure(file + " has no labelled texts");
    }
    return l;
  }

  private Object label(JsonNode v, Path file, long lineNo) {
    if (!multilabel) {
      Object o = scalar(v);
      if (o == null) {
        throw new CliFailure(file + ":" + lineNo + ": \"" + labelColumn + "\" must be a string "
            + "or an integer, was " + (v == null ? "missing" : v.getNodeType().toString()
                .toLowerCase(Locale.ROOT)));
      }
      return o;
    }
    Set<Object> set = new LinkedHashSet<>();
    if (v != null && v.isArray()) {
      for (JsonNode e : v) {
        Object o = scalar(e);
        if (o == null) {
          throw new CliFailure(file + ":" + lineNo + ": \"" + labelColumn + "\" must hold "
              + "strings or integers, had " + e);
        }
        set.add(o);
      }
    } else {
      Object o = scalar(v);
      if (o == null) {
        throw new CliFailure(file + ":" + lineNo + ": \"" + labelColumn + "\" must be an "
            + "array of labels (or one label), was " + (v == null ? "missing" : v.toString()));
      }
      set.add(o);
    }
    return set;
  }

  private static Object scalar(JsonNode v) {
    if (v == null) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    return null;
  }

  /** The folder written beside the target and renamed over it, so it appears whole. */
  private void writeFolder(byte[] skops) {
    Path target = output.toAbsolutePath().normalize();
    Path parent = target.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new CliFailure("cannot create output " + output + ": no such directory");
    }
    if (Files.exists(target) && !Files.isDirectory(target)) {
      throw new CliFailure("output " + output + " exists and is not a folder");
    }
    String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    Path temp = parent.resolve("." + target.getFileName() + ".tmp-" + suffix);
    Path old = parent.resolve("." + target.getFileName() + ".old-" + suffix);
    try {
      PipelineSaver.save(modelOptions.model(), skops, temp);
      boolean replacing = Files.exists(target);
      if (replacing) {
        Files.move(target, old);
      }
      Files.move(temp, target);
      if (replacing) {
        deleteTree(old);
      }
    } catch (IOException | RuntimeException e) {
      try {
        deleteTree(temp);
      } catch (IOException ignored) {
        // the run fails with the first error
      }
      String why = e instanceof IOException ? AtomicOutput.reason((IOException) e)
          : e.getMessage();
      throw new CliFailure("cannot write output " + output + ": " + why);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
