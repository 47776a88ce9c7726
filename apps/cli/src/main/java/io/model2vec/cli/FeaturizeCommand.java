package io.model2vec.cli;

import io.model2vec.distill.Featurizer;
import io.model2vec.distill.Teacher;
import io.model2vec.app.ProgressOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code model2vec featurize}: the teacher's target vector of every passage of a corpus. */
@Command(name = "featurize", mixinStandardHelpOptions = true,
    description = {
        "Runs a sentence transformer (ONNX) over a corpus of passages (JSONL) and stores, per "
            + "passage, the mean of its output token states without [CLS]/[SEP] (tokenlearn's "
            + "target), with the passage, in OUTPUT/features.bin (float32 rows in checksummed "
            + "chunks; OUTPUT/meta.json holds the settings). The input to model2vec train.",
        "Resumable: chunks of --chunk-size lines are appended and forced to disk one by one; "
            + "run the same command again after an interruption and it continues after the "
            + "last complete chunk (a partly written chunk is dropped and computed again), "
            + "giving the file an uninterrupted run gives. Passages are sorted by length within "
            + "a chunk and batched; --threads teachers run batches at once. Progress on "
            + "standard error: a redrawn bar when it is a terminal, or with --log-progress a line "
            + "every 30 s; then a summary (none with --quiet)."})
final class FeaturizeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  DistillCommand.TeacherChoice teacher;

  @Option(names = "--input", paramLabel = "F", required = true,
      description = "Corpus: one JSON object a line, the passage in --field.")
  Path input;

  @Option(names = "--output", paramLabel = "DIR", required = true,
      description = "Folder of features.bin and meta.json (created; an unfinished run there is "
          + "continued).")
  Path output;

  @Option(names = "--field", paramLabel = "NAME", defaultValue = "text",
      description = "JSON field of the passage (default: ${DEFAULT-VALUE}).")
  String field;

  @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
      description = "Ids per passage given to the teacher, special tokens included; longer "
          + "passages are cut (default: ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
      description = "Passages per teacher call (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--chunk-size", paramLabel = "N", defaultValue = "2048",
      description = "Corpus lines per chunk: sorted by length together, written together "
          + "(default: ${DEFAULT-VALUE}).")
  int chunkSize;

  @Option(names = "--threads", paramLabel = "N",
      description = "Teachers running at once, one ONNX Runtime thread each (default: all "
          + "cores).")
  Integer threads;

  @Option(names = "--log-progress",
      description = "Progress as a line every 30 s instead of a redrawn bar (for log files).")
  boolean logProgress;

  // --quiet
  @Mixin
  ProgressOptions progressOptions;

  @Option(names = "--stop-after-chunks", paramLabel = "N", defaultValue = "0",
      description = "Stop after N new chunks (0: at the end of the corpus); the next run "
          + "continues from there.")
  int stopAfter;

  @Override
  public Integer call() {
    int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    Featurizer f;
    try {
      f = Featurizer.builder().maxTokens(maxTokens).batchSize(batchSize).chunkSize(chunkSize)
          .threads(n).field(field).stopAfterChunks(stopAfter)
          .progress(progressOptions.quiet() || !(logProgress || progressOptions.live()) ? null
              : System.err, logProgress).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Supplier<Teacher> teachers = teacher.name != null
        ? () -> Teacher.fromClasspath(teacher.name, 1)
        : () -> Teacher.fromFiles(teacher.files.onnx, teacher.files.tokenizer, 1);
    Featurizer.Result r = f.run(teachers, input, output);
    if (progressOptions.quiet()) {
      return 0;
    }
    int newLines = r.lines - r.resumedLines;
    System.err.printf("model2vec featurize: %s%d of %d passages done (%d this run, %d rows, "
            + "%.0f passages/s, %.1f s)%s -> %s%n",
        r.resumedLines > 0 ? "resumed after " + r.resumedLines + "; " : "", r.lines,
        r.totalLines, newLines, r.newRows, r.seconds > 0 ? newLines / r.seconds : 0, r.seconds,
        r.droppedTail > 0 ? ", dropped a partial chunk of " + r.droppedTail + " bytes" : "",
        output.resolve(Featurizer.FEATURES));
    return 0;
  }
}
