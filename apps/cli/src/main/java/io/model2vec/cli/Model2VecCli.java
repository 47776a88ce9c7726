package io.model2vec.cli;

import io.model2vec.Version;
import io.model2vec.benchmarks.BenchCommand;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/model2vec}: the command line of the project. */
@Command(
    name = "model2vec",
    mixinStandardHelpOptions = true,
    versionProvider = Model2VecCli.VersionProvider.class,
    description = "Model2Vec static embeddings on the JVM.",
    subcommands = {
        EncodeCommand.class,
        SearchCommand.class,
        DistillCommand.class,
        FeaturizeCommand.class,
        TrainCommand.class,
        EvaluateCommand.class,
        BenchCommand.class,
        io.model2vec.benchmarks.IndexBenchCommand.class,
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

  /** {@code --version}: the version this build was made as ({@link Version}), never a literal. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"model2vec-jvm " + Version.current()};
    }
  }

  public static void main(String[] args) {
    LUCENE_VECTORIZATION.setLevel(Level.SEVERE);
    System.exit(run(args));
  }

  /**
   * Runs the command line and returns its exit code (tests call this, not main): 0 success,
   * 1 failure (one line on stderr, no stack trace), 2 usage error, 141 standard output closed.
   */
  public static int run(String... args) {
    return execute(new CommandLine(new Model2VecCli()), Model2VecCli::message, args);
  }

  /**
   * Runs {@code cl} with the failure rules of every {@code bin/} command: a failure is one line
   * on stderr ({@code "<command>: <message>"}, no stack trace unless {@code -Dmodel2vec.debug}),
   * exit 1 (or a {@link CliFailure}'s code), out of memory a line that suggests
   * {@code JAVA_OPTS=-Xmx...}, and a closed standard output exits 141 without a word.
   */
  public static int execute(CommandLine cl, Function<Throwable, String> message, String... args) {
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CliFailure && ((CliFailure) e).exitCode == CliFailure.SIGPIPE) {
        return CliFailure.SIGPIPE; // nobody is reading: no message, as for a process SIGPIPE ends
      }
      OutOfMemoryError oom = outOfMemory(e);
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": "
          + (oom != null ? outOfMemoryMessage(oom) : message.apply(e)));
      if (Boolean.getBoolean("model2vec.debug")) {
        e.printStackTrace(cmd.getErr());
      }
      cmd.getErr().flush();
      return e instanceof CliFailure ? ((CliFailure) e).exitCode : 1;
    });
    try {
      return cl.execute(args);
    } catch (OutOfMemoryError e) {
      // picocli passes Errors through; this one becomes a line like the others
      CommandLine.ParseResult parsed = cl.getParseResult();
      while (parsed != null && parsed.subcommand() != null) {
        parsed = parsed.subcommand();
      }
      String name = parsed != null ? parsed.commandSpec().qualifiedName()
          : cl.getCommandSpec().qualifiedName();
      cl.getErr().println(name + ": " + outOfMemoryMessage(e));
      cl.getErr().flush();
      return 1;
    }
  }

  private static OutOfMemoryError outOfMemory(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        return (OutOfMemoryError) t;
      }
    }
    return null;
  }

  private static String outOfMemoryMessage(OutOfMemoryError e) {
    long heapMiB = Runtime.getRuntime().maxMemory() >> 20;
    return "out of memory (" + (e.getMessage() == null ? "OutOfMemoryError" : e.getMessage())
        + ", heap " + heapMiB + " MiB): give the JVM more, e.g. JAVA_OPTS=-Xmx"
        + Math.max(1024, heapMiB * 2) + "m";
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.toString() : m;
  }
}
