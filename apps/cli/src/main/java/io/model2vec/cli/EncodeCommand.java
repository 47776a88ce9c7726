package io.model2vec.cli;

import io.model2vec.StaticModel;
import io.model2vec.app.BadLineOptions;
import io.model2vec.app.CliFailure;
import io.model2vec.app.EnrichedJson;
import io.model2vec.app.LineReader;
import io.model2vec.app.ModelOptions;
import io.model2vec.app.Progress;
import io.model2vec.app.ProgressOptions;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code model2vec encode}: JSONL or text lines in, JSONL with an {@code embedding} out, in input
 * order. Streams in batches, so a corpus of any size runs in constant memory; the output file
 * appears whole on success or not at all.
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
    description = {
        "Embeds texts. Reads JSONL (one object per line, text in --text-field) or plain text lines, "
            + "from --input or standard input, and writes JSONL in input order to --output or "
            + "standard output: each input object exactly as written (numbers, escapes, key "
            + "order) with an added \"embedding\": [floats] as its last field (an old "
            + "\"embedding\" field is dropped; text format: {\"text\": ..., \"embedding\": [...]}).",
        "A null or missing field gives \"embedding\": null. Bad lines: not exactly one JSON "
            + "object, invalid UTF-8, longer than --max-line-bytes, a field that is not a string, "
            + "a last line cut short (no newline at the end and not a complete object). With "
            + "--on-error fail (default) the first one stops the run with its line number; with "
            + "skip they are counted and left out (and written to --rejects).",
        "--output is written to a hidden temporary file beside it and renamed on success: a "
            + "failed run leaves no output (an existing file stays as it was). On a terminal a "
            + "progress line (rows, rate, time left) is redrawn on standard error; a summary "
            + "(rows in, out, rejected, seconds, rows/s) follows there (none with --quiet)."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:success",
        "1:a bad line (with its line number), an unreadable input, an output that cannot be "
            + "written, out of memory",
        "2:usage error (bad or conflicting options, a value the model cannot take such as more "
            + "--dimensions than it has, --output naming the --input file)",
        "141:standard output closed by its reader (e.g. | head): stops at once, like SIGPIPE"})
class EncodeCommand implements Callable<Integer> {
  private static final int BATCH = 2048;
  // A batch also ends at this many chars of input, so long rows keep memory bounded too.
  private static final long BATCH_CHARS = 16L << 20;

  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--input", paramLabel = "F", description = "Input file (default: stdin).")
  Path input;

  @Option(names = "--output", paramLabel = "F",
      description = "Output file, replaced only when the run succeeds (default: stdout).")
  Path output;

  // no defaultValue: picocli would apply it after the hidden --field below has set the field
  @Option(names = "--text-field", paramLabel = "NAME",
      description = "JSONL field holding the text (default: ${DEFAULT-VALUE}).")
  String field = "text";

  // The older name, still accepted; hidden so that --help shows the one name the README uses.
  @Option(names = "--field", paramLabel = "NAME", hidden = true)
  void field(String name) {
    field = name;
  }

  @Option(names = "--format", paramLabel = "jsonl|text", defaultValue = "jsonl",
      description = "Input format: jsonl or text (one text per line). Default: ${DEFAULT-VALUE}.")
  Format format;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "Threads encoding each batch (default: ${DEFAULT-VALUE}).")
  int threads;

  // --on-error, --max-line-bytes
  @Mixin
  BadLineOptions badLines;

  @Option(names = "--rejects", paramLabel = "F",
      description = "With --on-error skip: JSONL file of the rejected lines, one object each: "
          + "\"line\" (number), \"reason\", and the line as it was: \"raw\" (a string) or, for "
          + "bytes that are not valid UTF-8 and for the kept start of a too long line, "
          + "\"raw_base64\" (then also \"truncated\", \"bytes\" for a too long line).")
  Path rejects;

  // --quiet
  @Mixin
  ProgressOptions progressOptions;

  enum Format { jsonl, text }

  /** The threads besides the caller's that encode a batch (--threads - 1), made on first use. */
  private java.util.concurrent.Executor workers;
  private long rowsIn;
  private long rowsOut;
  private long rejected;
  private Progress progress;

  @Override
  public Integer call() throws IOException {
    checkOptions();
    try {
      return encode();
    } finally {
      if (workers instanceof java.util.concurrent.ExecutorService) {
        ((java.util.concurrent.ExecutorService) workers).shutdown();
      }
    }
  }

  private int encode() throws IOException {
    progress = progressOptions.progress(spec, "rows");
    try {
      return encodeAll();
    } catch (RuntimeException | IOException | Error e) {
      progress.clearLine(); // the error's line starts at the left margin
      throw e;
    }
  }

  private int encodeAll() throws IOException {
    try (InputStream in = progress.reading(openInput(), Progress.sizeOf(input));
        AtomicOutput out = output == null ? null : AtomicOutput.open(output, "output");
        AtomicOutput rej = rejects == null ? null : AtomicOutput.open(rejects, "rejects file");
        Loaded model = new Loaded(load())) {
      Writer writer = writer(out == null ? stdout() : out.stream());
      Writer rejectsWriter = rej == null ? null : writer(rej.stream());
      run(new LineReader(in, badLines.maxLineBytes()), model.value, writer, rejectsWriter);
      // Both files are complete before either is renamed: a full disk fails the run with
      // neither in place.
      try {
        if (rej != null) {
          rejectsWriter.flush();
        }
      } catch (IOException e) {
        throw new CliFailure("cannot write rejects file " + rejects + ": "
            + AtomicOutput.reason(e));
      }
      try {
        writer.flush();
        if (out != null) {
          out.commit();
        }
      } catch (IOException e) {
        throw writeFailure(e);
      }
      try {
        if (rej != null) {
          rej.commit();
        }
      } catch (IOException e) {
        throw new CliFailure("cannot write rejects file " + rejects + ": "
            + AtomicOutput.reason(e));
      }
    }
    progress.finish(String.format(java.util.Locale.ROOT, "%d rows in, %d out, %d rejected%s",
        rowsIn, rowsOut, rejected, rejects == null ? "" : " (" + rejects + ")"));
    return 0;
  }

  // What a subclass (classify) changes: what is loaded, which old fields a row drops, what it
  // adds.

  /** What the rows are computed with, closed after the run. */
  AutoCloseable load() {
    return modelOptions.load(spec.commandLine());
  }

  /** {@link #load()}'s model or pipeline, whose close() throws nothing checked. */
  private static final class Loaded implements AutoCloseable {
    final AutoCloseable value;

    Loaded(AutoCloseable value) {
      this.value = value;
    }

    @Override
    public void close() {
      try {
        value.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("could not close " + value + ": " + e, e);
      }
    }
  }

  /** A JSONL line, its old output fields dropped. */
  EnrichedJson parse(String line) {
    return EnrichedJson.parse(line, field);
  }

  /** Writes the output rows of a batch, each with its newline ({@code row} is a scratch buffer). */
  void appendRows(AutoCloseable model, List<EnrichedJson> rows, List<String> texts, Writer out,
      StringBuilder row) throws IOException {
    float[][] vectors = ((StaticModel) model).encode(texts, workers(), threads);
    for (int i = 0; i < vectors.length; i++) {
      row.setLength(0);
      rows.get(i).appendTo(row, vectors[i]);
      row.append('\n');
      out.append(row);
    }
  }

  java.util.concurrent.Executor workers() {
    if (workers == null) {
      workers = threads == 1 ? Runnable::run : java.util.concurrent.Executors.newFixedThreadPool(
          threads - 1, r -> {
            Thread t = new Thread(r, "model2vec-encode");
            t.setDaemon(true); // the run ends with the main thread
            return t;
          });
    }
    return workers;
  }

  void checkOptions() {
    if (threads < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be >= 1, was " + threads);
    }
    modelOptions.check(spec.commandLine());
    badLines.check(spec.commandLine(), rejects != null);
    // Before anything is opened: writing would empty the input.
    refuseSame(output, "--output", input, "--input");
    refuseSame(rejects, "--rejects", input, "--input");
    refuseSame(rejects, "--rejects", output, "--output");
  }

  private void refuseSame(Path a, String aName, Path b, String bName) {
    if (a != null && b != null && sameFile(a, b)) {
      throw new ParameterException(spec.commandLine(),
          aName + " " + a + " is the same file as " + bName + " " + b);
    }
  }

  private static boolean sameFile(Path a, Path b) {
    if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
      return true;
    }
    try {
      return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
    } catch (IOException e) {
      return false; // unreadable: opening it reports the problem
    }
  }

  private InputStream openInput() {
    if (input == null) {
      return nonClosing(System.in);
    }
    if (Files.isDirectory(input)) {
      throw new CliFailure("input file " + input + " is a directory");
    }
    try {
      return Files.newInputStream(input);
    } catch (IOException e) {
      throw new CliFailure("cannot read input file " + input + ": " + AtomicOutput.reason(e));
    }
  }

  private void run(LineReader lines, AutoCloseable model, Writer out, Writer rejectsOut) {
    List<EnrichedJson> rows = new ArrayList<>(BATCH);
    List<String> texts = new ArrayList<>(BATCH);
    long batchChars = 0;
    StringBuilder row = new StringBuilder(1 << 12);
    while (next(lines)) {
      String reason = null;
      String text = null;
      EnrichedJson parsed = null;
      if (lines.tooLong()) {
        reason = BadLineOptions.tooLong(badLines.maxLineBytes(), lines.totalBytes());
      } else {
        try {
          text = lines.decode();
        } catch (IllegalArgumentException e) {
          reason = e.getMessage();
        }
      }
      if (text != null) {
        if (format == Format.text) {
          parsed = EnrichedJson.ofText(text.endsWith("\r")
              ? text.substring(0, text.length() - 1) : text);
        } else if (text.isBlank()) {
          continue;
        } else {
          try {
            parsed = parse(text);
          } catch (EnrichedJson.SyntaxError e) {
            reason = lines.endedWithNewline() ? e.getMessage()
                : BadLineOptions.cutShort(e.getMessage());
          } catch (IllegalArgumentException e) {
            reason = e.getMessage();
          }
        }
      }
      rowsIn++;
      progress.add(1);
      if (reason != null) {
        if (!badLines.skip()) {
          if (output == null) { // standard output gets every row before the bad line
            encodeAndWrite(model, rows, texts, out, row);
            flush(out);
          }
          throw new CliFailure("input line " + lines.number() + ": " + reason);
        }
        rejected++;
        if (rejectsOut != null) {
          writeReject(rejectsOut, lines, reason, text);
        }
        continue;
      }
      rows.add(parsed);
      texts.add(parsed.text());
      batchChars += parsed.size();
      if (rows.size() == BATCH || batchChars >= BATCH_CHARS) {
        encodeAndWrite(model, rows, texts, out, row);
        // per batch: a closed stdout ends the run here, not after the whole input
        flush(out);
        batchChars = 0;
      }
    }
    encodeAndWrite(model, rows, texts, out, row);
    flush(out);
  }

  private boolean next(LineReader lines) {
    try {
      return lines.next();
    } catch (IOException e) {
      throw new CliFailure("cannot read " + (input == null ? "standard input"
          : "input file " + input) + ": " + AtomicOutput.reason(e));
    }
  }

  private void encodeAndWrite(AutoCloseable model, List<EnrichedJson> rows, List<String> texts,
      Writer out, StringBuilder row) {
    if (rows.isEmpty()) {
      return;
    }
    try {
      appendRows(model, rows, texts, out, row);
    } catch (IOException e) {
      throw writeFailure(e);
    }
    rowsOut += rows.size();
    rows.clear();
    texts.clear();
    if (row.capacity() > (1 << 20)) {
      row.setLength(0);
      row.trimToSize();
    }
  }

  private void flush(Writer out) {
    try {
      out.flush();
    } catch (IOException e) {
      throw writeFailure(e);
    }
  }

  private CliFailure writeFailure(IOException e) {
    if (output != null) {
      return new CliFailure("cannot write output " + output + ": " + AtomicOutput.reason(e));
    }
    // EPIPE: the reader of standard output is gone (| head); the JVM ignores SIGPIPE itself
    if ("Broken pipe".equals(e.getMessage())) {
      return CliFailure.stdoutClosed();
    }
    return new CliFailure("cannot write standard output: " + AtomicOutput.reason(e));
  }

  private void writeReject(Writer out, LineReader lines, String reason, String text) {
    String r = BadLineOptions.reject(null, lines.number(), reason, text,
        text == null ? lines.copy() : null, lines.tooLong() ? lines.totalBytes() : -1);
    try {
      out.write(r);
      out.write('\n');
    } catch (IOException e) {
      throw new CliFailure("cannot write rejects file " + rejects + ": "
          + AtomicOutput.reason(e));
    }
  }

  private static Writer writer(OutputStream out) {
    return new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
  }

  // The process's standard output itself, not System.out: a PrintStream swallows write errors,
  // so a closed pipe (EPIPE) would go unnoticed and the whole input would be encoded for nobody.
  private static OutputStream stdout() {
    System.out.flush();
    return nonClosingOut(new FileOutputStream(FileDescriptor.out));
  }

  private static OutputStream nonClosingOut(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }

  private static InputStream nonClosing(InputStream in) {
    return new java.io.FilterInputStream(in) {
      @Override
      public void close() {
        // standard input stays open for the caller
      }
    };
  }
}
