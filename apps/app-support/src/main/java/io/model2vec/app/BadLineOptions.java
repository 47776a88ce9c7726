package io.model2vec.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The error modes of the commands that read JSON lines ({@code model2vec encode},
 * {@code flink-enrich}), a picocli mixin: what a bad line does ({@code --on-error}) and how long
 * a line may be ({@code --max-line-bytes}); and the reasons a bad line is reported with, so that
 * the commands word them alike. {@code --rejects} stays with each command: a file for one, a
 * folder of part files for the other.
 */
public final class BadLineOptions {
  private static final ObjectMapper JSON = new ObjectMapper();
  // a line is held in one array: Java's limit
  private static final int MAX_LINE_BYTES_LIMIT = Integer.MAX_VALUE - 16;

  @Option(names = "--on-error", paramLabel = "fail|skip", defaultValue = "fail",
      description = "A bad line stops the run (fail, exit code 1) or is left out and counted "
          + "(skip). Default: ${DEFAULT-VALUE}.")
  OnError onError;

  @Option(names = "--max-line-bytes", paramLabel = "N", defaultValue = "67108864",
      description = "Longest line accepted, in bytes (default: ${DEFAULT-VALUE}, 64 MiB); a "
          + "longer one is a bad line and is not held in memory past this size.")
  int maxLineBytes;

  /** The values of {@code --on-error}. */
  public enum OnError { fail, skip }

  /** Whether bad lines are left out and counted ({@code --on-error skip}) rather than fatal. */
  public boolean skip() {
    return onError == OnError.skip;
  }

  /** {@code --max-line-bytes}. */
  public int maxLineBytes() {
    return maxLineBytes;
  }

  /**
   * Checks {@code --max-line-bytes}, and that {@code --rejects} (when {@code rejectsGiven})
   * comes with {@code --on-error skip}: a usage error (exit code 2) otherwise.
   */
  public void check(CommandLine cl, boolean rejectsGiven) {
    if (maxLineBytes < 1 || maxLineBytes > MAX_LINE_BYTES_LIMIT) {
      throw new ParameterException(cl, "--max-line-bytes must be in 1.." + MAX_LINE_BYTES_LIMIT
          + ", was " + maxLineBytes);
    }
    if (rejectsGiven && !skip()) {
      throw new ParameterException(cl,
          "--rejects needs --on-error skip (with fail the first bad line stops the run)");
    }
  }

  /** The reason of a line longer than {@code maxLineBytes}: it was {@code totalBytes} long. */
  public static String tooLong(int maxLineBytes, long totalBytes) {
    return "longer than --max-line-bytes " + maxLineBytes + " (" + totalBytes + " bytes)";
  }

  /**
   * The reason of a last line without newline that is not JSON: the input ended inside it.
   * {@code syntaxError} is the message of {@link EnrichedJson.SyntaxError}.
   */
  public static String cutShort(String syntaxError) {
    return "cut short: the input ends inside this line, " + syntaxError;
  }

  /**
   * The JSON object (one line) that {@code --rejects} keeps of a bad line: {@code "file"} (when
   * not null), {@code "line"}, {@code "reason"}, and the line as it was: {@code "raw"} when it
   * was text, else {@code "raw_base64"} of {@code raw} (when not null; for a too long line its
   * kept start, with {@code "truncated": true} and its length in {@code "bytes"} when
   * {@code totalBytes >= 0}).
   */
  public static String reject(String file, long line, String reason, String text, byte[] raw,
      long totalBytes) {
    ObjectNode r = JSON.createObjectNode();
    if (file != null) {
      r.put("file", file);
    }
    r.put("line", line);
    r.put("reason", reason);
    if (text != null) {
      r.put("raw", text);
    } else if (raw != null) {
      r.put("raw_base64", Base64.getEncoder().encodeToString(raw));
      if (totalBytes >= 0) {
        r.put("truncated", true);
        r.put("bytes", totalBytes);
      }
    }
    return r.toString();
  }
}
