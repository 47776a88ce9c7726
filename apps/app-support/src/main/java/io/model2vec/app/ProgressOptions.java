package io.model2vec.app;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --quiet} of the commands that run long, a picocli mixin: no progress line and no summary
 * on standard error (errors still go there). {@link #progress} starts the command's
 * {@link Progress} under its qualified name ({@code model2vec encode}).
 */
public final class ProgressOptions {
  @Option(names = {"-q", "--quiet"},
      description = "No progress line (drawn on standard error when it is a terminal) and no "
          + "summary; errors are still reported.")
  boolean quiet;

  /** {@code --quiet}. */
  public boolean quiet() {
    return quiet;
  }

  /**
   * Whether a live progress line may be drawn: standard error is a terminal and not
   * {@code --quiet} (for the commands whose library draws its own bar on a stream given to it).
   */
  public boolean live() {
    return !quiet && Progress.stderrIsTerminal();
  }

  /** A reporter of {@code unit}s ({@code "rows"}) on the command's standard error. */
  public Progress progress(CommandSpec spec, String unit) {
    return Progress.start(spec.commandLine().getErr(), spec.qualifiedName(), unit, quiet);
  }
}
