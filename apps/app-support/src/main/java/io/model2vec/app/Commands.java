package io.model2vec.app;

import io.model2vec.Settings;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * The exit codes and failure rules of every {@code bin/} command: 0 success, 1 failure (one line
 * on stderr, no stack trace), 2 usage error, 141 standard output closed.
 */
public final class Commands {
  private Commands() {}

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
      if (Settings.DEBUG.get()) {
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
}
