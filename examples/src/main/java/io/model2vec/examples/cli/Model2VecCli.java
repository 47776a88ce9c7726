package io.model2vec.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/model2vec}: the command line of the project. */
@Command(
    name = "model2vec",
    mixinStandardHelpOptions = true,
    version = "model2vec-jvm 0.1.0",
    description = "Model2Vec static embeddings on the JVM.",
    subcommands = {
        EncodeCommand.class,
        DistillCommand.class,
        FeaturizeCommand.class,
        TrainCommand.class,
        EvaluateCommand.class,
        BenchCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class Model2VecCli {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (tests call this, not main). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Model2VecCli());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("model2vec " + cmd.getCommandName() + ": " + message(e));
      if (Boolean.getBoolean("model2vec.debug")) {
        e.printStackTrace(cmd.getErr());
      }
      return 1;
    });
    return cl.execute(args);
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.toString() : m;
  }
}
