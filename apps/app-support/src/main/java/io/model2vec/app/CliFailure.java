package io.model2vec.app;

/**
 * A failure the command line reports as one line (its message, no stack trace) with an exit
 * code: 1 for bad data and unreadable or unwritable files, 141 (no message) when standard output
 * was closed by its reader, as a process killed by SIGPIPE reports it.
 */
public final class CliFailure extends RuntimeException {
  public static final int BAD_DATA = 1;
  public static final int SIGPIPE = 128 + 13;
  private static final long serialVersionUID = 1L;

  final int exitCode;

  public CliFailure(String message) {
    this(message, BAD_DATA);
  }

  public CliFailure(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  public static CliFailure stdoutClosed() {
    return new CliFailure(null, SIGPIPE);
  }
}
