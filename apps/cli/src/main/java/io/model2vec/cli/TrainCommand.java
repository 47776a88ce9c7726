package io.model2vec.cli;

import io.model2vec.DType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.LoadOptions;
import io.model2vec.Model2VecException;
import io.model2vec.StaticModel;
import io.model2vec.distill.FeatureFile;
import io.model2vec.distill.Featurizer;
import io.model2vec.distill.StartModel;
import io.model2vec.distill.Trainer;
import io.model2vec.distill.VocabularyExtension;
import io.model2vec.tokenizer.IdBuffer;
import io.model2vec.tokenizer.TokenIdEncoder;
import io.model2vec.tokenizer.TokenizerInfo;
import io.model2vec.tokenizer.Tokenizers;
import java.util.Arrays;
import java.io.IOException;
import java.io.UncheckedIOException;
import io.model2vec.app.Progress;
import io.model2vec.app.ProgressOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code model2vec train}: tokenlearn, the token table trained on the teacher's targets. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {
        "Trains the token table of a static model on the targets of model2vec featurize "
            + "(tokenlearn): starts from --model (a model of the teacher's vocabulary, e.g. "
            + "distilled from it; default: the built-in model, bge-small-en-v1.5's), reduces the targets by PCA to the model's dimensions, trains the "
            + "rows, one weight per token and a linear head (dropped afterwards) with Adam on "
            + "the contrastive (default), cosine or MSE loss, keeps the epoch with the lowest "
            + "validation loss (early stopping), then multiplies each row by its weight and its "
            + "SIF factor c / (c + p), p the token's frequency in the training passages. Saves "
            + "the model2vec layout; deterministic for a --seed."})
final class TrainCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  // --quiet
  @Mixin
  ProgressOptions progressOptions;

  @Option(names = "--features", paramLabel = "DIR", required = true, split = ",",
      description = "Output folder of model2vec featurize (features.bin, meta.json); repeat "
          + "the option or give a comma list to train on several folders of the same teacher "
          + "and --max-tokens (their passages in the order given).")
  List<Path> features;

  @Option(names = "--output", paramLabel = "DIR", required = true,
      description = "Folder to write the model into (created; files overwritten).")
  Path output;

  @Option(names = "--model", paramLabel = "M", defaultValue = "default",
      description = "The model to start from: a folder or classpath: folder with an "
          + "'embeddings' table (F32, F16, BF16, F64, or I8 read as its integers, as encoding "
          + "reads it) and the teacher's tokenizer; 'default' is the built-in model (I8) "
          + "(default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--loss", paramLabel = "contrastive|cosine|mse", defaultValue = "contrastive",
      description = "Training loss (default: ${DEFAULT-VALUE}).")
  String loss;

  @Option(names = "--learning-rate", paramLabel = "LR", defaultValue = "1e-3",
      description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--learning-rate-schedule", paramLabel = "constant|cosine",
      defaultValue = "constant",
      description = "constant: the learning rate stays as it is (tokenlearn's); cosine: it decays "
          + "to 0 over the --epochs along half a cosine (default: ${DEFAULT-VALUE}).")
  String learningRateSchedule;

  @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.07",
      description = "Temperature of the contrastive loss: the cosine similarities of a batch are "
          + "divided by it before the softmax (default: ${DEFAULT-VALUE}, tokenlearn's).")
  double temperature;

  @Option(names = "--relational-weight", paramLabel = "W", defaultValue = "0",
      description = "Add W times a relational term to the loss: for each passage, how far the "
          + "student's softmax over its cosine similarities to the batch's other passages is from "
          + "the teacher's (Kullback-Leibler divergence, at --relational-temperature); 0 leaves it "
          + "out (default: ${DEFAULT-VALUE}).")
  double relationalWeight;

  @Option(names = "--relational-temperature", paramLabel = "T",
      description = "Temperature of the relational term (default: --temperature's).")
  Double relationalTemperature;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "256",
      description = "Passages per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "30",
      description = "At most N epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--patience", paramLabel = "N", defaultValue = "3",
      description = "Stop after N epochs without a lower validation loss (default: "
          + "${DEFAULT-VALUE}).")
  int patience;

  @Option(names = "--validation", paramLabel = "SHARE", defaultValue = "0.1",
      description = "Share of the passages kept for validation, at most 10,000 (default: "
          + "${DEFAULT-VALUE}).")
  double validation;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
      description = "Seed of the split and the batch order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--no-token-weights", description = "Train the rows only, no weight per token.")
  boolean noWeights;

  @Option(names = "--no-head",
      description = "No linear head: the mean of the rows is trained to meet the PCA'd target "
          + "itself.")
  boolean noHead;

  @Option(names = "--sif-coefficient", paramLabel = "C", defaultValue = "1e-3",
      description = "SIF coefficient of the post-processing (default: ${DEFAULT-VALUE}).")
  double sif;

  @Option(names = "--no-sif", description = "No SIF post-processing.")
  boolean noSif;

  @Option(names = "--center",
      description = "Post-processing: subtract the table's mean row before SIF weighting "
          + "(tokenlearn's PCA of the trained table at the model's own width: the same cosines).")
  boolean center;

  @Option(names = "--fold-head",
      description = "Fold the trained linear head into the table (row t becomes W w[t] e[t] + b) "
          + "instead of dropping it: a text's vector is then the head's output, the vector the "
          + "loss compared with the teacher's target.")
  boolean foldHead;

  @Option(names = "--dtype", paramLabel = "f32|f16|i8", defaultValue = "f32",
      description = "Stored dtype of the table: f32, f16 or i8 (the trained values divided by "
          + "max |x| / 127 and rounded; a quarter of f32's bytes, pooled exactly) "
          + "(default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--extend-vocabulary", paramLabel = "N", defaultValue = "0",
      description = "Add up to N whole words to the vocabulary (WordPiece tokenizers): the most "
          + "frequent words of the passages that the tokenizer splits into pieces, each with a "
          + "row of its own that starts as the mean of its pieces' rows and is trained like the "
          + "others (default: ${DEFAULT-VALUE}, none).")
  int extendVocabulary;

  @Option(names = "--min-count", paramLabel = "C", defaultValue = "10",
      description = "With --extend-vocabulary: a word must occur at least C times in the passages "
          + "(default: ${DEFAULT-VALUE}).")
  int minCount;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
      description = "Use only the first N passages (0 = all).")
  int limit;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads a batch is computed on (default: the available processors). The "
          + "trained table is the same for any number.")
  Integer threads;

  @Override
  public Integer call() {
    DType type;
    switch (dtype.toLowerCase(Locale.ROOT)) {
      case "f32": type = DType.F32; break;
      case "f16": type = DType.F16; break;
      case "i8": type = DType.I8; break;
      default:
        throw new ParameterException(spec.commandLine(), "--dtype must be f32, f16 or i8, was '"
            + dtype + "'");
    }
    if (extendVocabulary < 0) {
      throw new ParameterException(spec.commandLine(), "--extend-vocabulary must be >= 0, was "
          + extendVocabulary);
    }
    if (minCount < 1) {
      throw new ParameterException(spec.commandLine(), "--min-count must be >= 1, was " + minCount);
    }
    boolean cosine;
    switch (learningRateSchedule.toLowerCase(Locale.ROOT)) {
      case "constant": cosine = false; break;
      case "cosine": cosine = true; break;
      default:
        throw new ParameterException(spec.commandLine(), "--learning-rate-schedule must be "
            + "constant or cosine, was '" + learningRateSchedule + "'");
    }
    Trainer.Loss l;
    try {
      l = Trainer.Loss.valueOf(loss.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--loss must be contrastive, cosine or "
          + "mse, was '" + loss + "'");
    }
    if (foldHead && noHead) {
      throw new ParameterException(spec.commandLine(), "--fold-head needs the head: it cannot "
          + "be used with --no-head");
    }
    Trainer trainer;
    try {
      Trainer.Builder builder = Trainer.builder().loss(l).learningRate(learningRate)
          .batchSize(batchSize).maxEpochs(epochs).patience(patience).validation(validation).seed(seed)
          .trainWeights(!noWeights).trainHead(!noHead).sifCoefficient(noSif ? null : sif)
          .centerTable(center).foldHead(foldHead)
          .temperature(temperature).relationalWeight(relationalWeight)
          .cosineSchedule(cosine)
          .threads(threads != null ? threads : Runtime.getRuntime().availableProcessors())
          .progress(progressOptions.quiet() ? null : System.err); // epoch lines: fine in a log
      if (relationalTemperature != null) { // else the trainer uses --temperature
        builder.relationalTemperature(relationalTemperature);
      }
      trainer = builder.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Progress progress = progressOptions.progress(spec, "passage-epochs");
    int maxTokens = sameSettings(features);
    List<FeatureFile.Row> rows = new ArrayList<>();
    for (Path f : features) {
      rows.addAll(FeatureFile.read(f.resolve(Featurizer.FEATURES)));
    }
    if (limit > 0 && rows.size() > limit) {
      rows = rows.subList(0, limit);
    }
    String ref = model.equals("default") ? StaticModel.DEFAULT_MODEL : model;
    StartModel start = StartModel.read(ref);
    int[][] ids = new int[rows.size()][];
    float[][] targets = new float[rows.size()][];
    // The ids the static model pools for the text the teacher read ([CLS]/[SEP] not counted).
    try (StaticModel m = StaticModel.load(ref,
        LoadOptions.builder().maxLength(maxTokens - 2).build())) {
      if (m.vocabularySize() != start.table.length) {
        throw new Model2VecException(ref + ": the tokenizer has " + m.vocabularySize()
            + " ids, the table " + start.table.length + " rows");
      }
      for (int i = 0; i < ids.length; i++) {
        ids[i] = m.tokenize(rows.get(i).text);
        targets[i] = rows.get(i).vector;
      }
    }
    if (!progressOptions.quiet()) {
      System.err.printf("model2vec train: %d passages from %s, start %s (%d x %d)%n", ids.length,
          features.size() == 1 ? features.get(0)
              : features.size() + " feature folders " + features, ref, start.table.length,
          start.table[0].length);
    }
    float[][] table = start.table;
    String tokenizerJson = start.tokenizerJson;
    if (extendVocabulary > 0) {
      VocabularyExtension ext = VocabularyExtension.extend(start.tokenizerJson, ref, start.table,
          ids, extendVocabulary, minCount);
      table = ext.table;
      tokenizerJson = ext.tokenizerJson;
      // the passages again, with the whole words
      try (TokenIdEncoder enc = Tokenizers.create(tokenizerJson,
          TokenizerInfo.parse(tokenizerJson, ref), ref)) {
        IdBuffer buf = new IdBuffer(512);
        for (int i = 0; i < ids.length; i++) {
          enc.encode(rows.get(i).text, buf);
          ids[i] = Arrays.copyOf(buf.ids, Math.min(buf.size, maxTokens - 2));
        }
      }
      if (!progressOptions.quiet()) {
        System.err.printf("model2vec train: vocabulary %d -> %d tokens (%d words seen at least %d "
                + "times; the most frequent: %s)%n", start.table.length, table.length,
            ext.words.size(), minCount, String.join(", ",
                ext.words.subList(0, Math.min(12, ext.words.size()))));
      }
    }
    Trainer.Result r = trainer.train(table, ids, targets);
    r.model(tokenizerJson, start.tokenizerName, noSif ? null : sif).save(output, type);
    progress.add((long) ids.length * r.epochs);
    progress.finish(String.format(Locale.ROOT, "validation loss %.5f -> %.5f (best epoch %d of "
            + "%d); wrote %s (%s)", r.initialValidationLoss, r.bestValidationLoss, r.bestEpoch,
        r.epochs, output, type));
    return 0;
  }

  /**
   * The teacher's {@code max_tokens} of the feature folders, which must agree on it and on the
   * teacher and its width: targets of different teachers or cuts are not one training set.
   */
  static int sameSettings(List<Path> folders) {
    JsonNode first = null;
    Path firstMeta = null;
    for (Path f : folders) {
      Path meta = f.resolve(Featurizer.META);
      JsonNode n = readMeta(meta);
      if (first == null) {
        first = n;
        firstMeta = meta;
        continue;
      }
      for (String key : List.of("teacher", "hidden", "max_tokens", "pooling")) {
        if (!n.path(key).equals(first.path(key))) {
          throw new Model2VecException(meta + ": \"" + key + "\" is " + n.path(key) + " but "
              + first.path(key) + " in " + firstMeta + " (feature folders trained together need "
              + "the same teacher, hidden, max_tokens and pooling)");
        }
      }
    }
    return first.get("max_tokens").asInt();
  }

  private static JsonNode readMeta(Path meta) {
    try {
      JsonNode n = JSON.readTree(meta.toFile());
      if (n == null || !n.path("max_tokens").canConvertToInt()) {
        throw new Model2VecException(meta + " has no integer \"max_tokens\"");
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + meta + ": " + e.getMessage(), e);
    }
  }
}
