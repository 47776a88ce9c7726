package io.model2vec.cli;

import io.model2vec.app.Commands;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/model2vec}: the command line of the project. */
@Command(
    name = "model2vec",
    mixinStandardHelpOptions = true,
    versionProvider = io.model2vec.app.VersionProvider.class,
    description = "Model2Vec static embeddings on the JVM.",
    subcommands = {
        EncodeCommand.class,
        ClassifyCommand.class,
        SearchCommand.class,
        DistillCommand.class,
        FeaturizeCommand.class,
        TrainCommand.class,
        TrainClassifierCommand.class,
        EvaluateCommand.class,
        BenchCommand.class,
        IndexBenchCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class Model2VecCli {
  /**
   * Lucene 9.12 warns through java.util.logging, on its first vector search, that the Vector API
   * module is present but the Java version is too old for its own use of it; the index module
   * uses it itself (docs/index.md), so the warning only misleads a command-line user. Held here:
   * java.util.logging keeps loggers weakly.
   */
  private static final Logger LUCENE_VECTORIZATION =
      Logger.getLogger("org.apache.lucene.internal.vectorization.VectorizationProvider");

  public static void main(String[] args) {
    LUCENE_VECTORIZATION.setLevel(Level.SEVERE);
    System.exit(run(args));
  }

  /**
   * Runs the command line and returns its exit code (tests call this, not main): 0 success,
   * 1 failure (one line on stderr, no stack trace), 2 usage error, 141 standard output closed.
   */
  public static int run(String... args) {
    return Commands.execute(new CommandLine(new Model2VecCli()), Model2VecCli::message, args);
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.toString() : m;
  }
}
