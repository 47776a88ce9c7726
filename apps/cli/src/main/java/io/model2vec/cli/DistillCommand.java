package io.model2vec.cli;

import io.model2vec.DType;
import io.model2vec.distill.Distiller;
import io.model2vec.distill.Teacher;
import io.model2vec.app.Progress;
import io.model2vec.app.ProgressOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code model2vec distill}: a sentence transformer (ONNX + tokenizer.json) into a Model2Vec model. */
@Command(name = "distill", mixinStandardHelpOptions = true,
    description = {
        "Distils a sentence transformer exported to ONNX into a Model2Vec model, as the Python "
            + "reference does: every vocabulary token through the teacher as [CLS] token [SEP] "
            + "(batched), mean pooling, PCA to --pca-dims, SIF weighting (c = 1e-4), saved in the "
            + "model2vec layout (config.json, modules.json, model.safetensors, tokenizer.json).",
        "The teacher is --teacher-onnx F --tokenizer F, or --teacher NAME for a model packaged on "
            + "the classpath as NAME.onnx + NAME-tokenizer.json (bin/model2vec ships "
            + "bge-small-en-v1.5). Draws a progress bar on standard error when it is a terminal, "
            + "then a summary (seconds, tokens/s; none with --quiet)."})
final class DistillCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  // --quiet
  @Mixin
  ProgressOptions progressOptions;

  @ArgGroup(exclusive = true, multiplicity = "1")
  TeacherChoice teacher;

  static final class TeacherChoice {
    @ArgGroup(exclusive = false)
    Files files;

    @Option(names = "--teacher", paramLabel = "NAME",
        description = "Teacher on the classpath: NAME.onnx and NAME-tokenizer.json "
            + "(e.g. bge-small-en-v1.5).")
    String name;
  }

  static final class Files {
    @Option(names = "--teacher-onnx", paramLabel = "F", required = true,
        description = "The teacher exported to ONNX (inputs input_ids, attention_mask[, "
            + "token_type_ids]; output [batch, seq, hidden]).")
    Path onnx;

    @Option(names = "--tokenizer", paramLabel = "F", required = true,
        description = "The teacher's HuggingFace tokenizer.json.")
    Path tokenizer;
  }

  @Option(names = "--output", paramLabel = "DIR", required = true,
      description = "Folder to write the model into (created; files overwritten).")
  Path output;

  @Option(names = "--pca-dims", paramLabel = "N", defaultValue = "256",
      description = "PCA to N dimensions; 0 = no PCA (default: ${DEFAULT-VALUE}).")
  int pcaDims;

  @Option(names = "--sif-coefficient", paramLabel = "C", defaultValue = "1e-4",
      description = "SIF weighting coefficient (default: ${DEFAULT-VALUE}).")
  double sif;

  @Option(names = "--no-sif", description = "Do not apply SIF weighting.")
  boolean noSif;

  @Option(names = "--pooling", paramLabel = "mean|cls", defaultValue = "mean",
      description = "Token-state pooling: mean (attention-masked) or cls (default: "
          + "${DEFAULT-VALUE}).")
  String pooling;

  @Option(names = "--dtype", paramLabel = "f32|f16|i8", defaultValue = "f32",
      description = "Stored dtype of the table: f32, f16 or i8 (scaled by max |x| / 127) "
          + "(default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--tokenizer-name", paramLabel = "NAME",
      description = "tokenizer_name written to config.json (default: the teacher's name or file).")
  String tokenizerName;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "256",
      description = "Tokens per teacher call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--threads", paramLabel = "N",
      description = "ONNX Runtime threads (default: all cores).")
  Integer threads;

  @Option(names = "--vocabulary-limit", paramLabel = "N", defaultValue = "0",
      description = "Distil only token ids < N and save the tokenizer restricted to them "
          + "(WordPiece; for quick trials). 0 = the whole vocabulary (default).")
  int vocabularyLimit;

  @Override
  public Integer call() {
    DType type = parseDtype(dtype);
    Teacher.Pooling pool = parsePooling(pooling);
    int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    if (n < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 1, was " + n);
    }
    Progress progress = progressOptions.progress(spec, "tokens");
    try (Teacher t = teacher.name != null ? Teacher.fromClasspath(teacher.name, n)
        : Teacher.fromFiles(teacher.files.onnx, teacher.files.tokenizer, n)) {
      Distiller d = Distiller.builder()
          .pcaDims(pcaDims)
          .sifCoefficient(noSif ? null : sif)
          .pooling(pool)
          .batchSize(batchSize)
          .vocabularyLimit(vocabularyLimit)
          .tokenizerName(tokenizerName != null ? tokenizerName : teacher.name)
          .progress(progressOptions.live() ? System.err : null)
          .build();
      Distiller.Result r = d.distill(t);
      r.save(output, type);
      progress.add(r.embeddings().length);
      progress.finish(String.format(java.util.Locale.ROOT, "wrote %s (%d x %d, %s)", output,
          r.embeddings().length, r.embeddings()[0].length, type));
    }
    return 0;
  }

  private DType parseDtype(String s) {
    try {
      DType t = DType.parse(s);
      if (t == DType.F32 || t == DType.F16 || t == DType.I8) {
        return t;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new ParameterException(spec.commandLine(), "--dtype must be f32, f16 or i8, was '"
        + s + "'");
  }

  private Teacher.Pooling parsePooling(String s) {
    switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "mean": return Teacher.Pooling.MEAN;
      case "cls": return Teacher.Pooling.CLS;
      default:
        throw new ParameterException(spec.commandLine(), "--pooling must be mean or cls, was '"
            + s + "'");
    }
  }
}
