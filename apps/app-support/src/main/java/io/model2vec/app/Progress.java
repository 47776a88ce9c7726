package io.model2vec.app;

import io.model2vec.Settings;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress of a long command on standard error, the same for every {@code bin/} command: on
 * a terminal one line redrawn in place ({@code \r}) at most twice a second, with the units done,
 * the rate and, when the total is known, the percentage and the time left; nothing while running
 * when standard error is not a terminal (a log file gets no {@code \r} litter) or with
 * {@code --quiet}. {@link #finish} prints the summary line (the command's own counts, the
 * elapsed time and the rate), also off a terminal, and not with {@code --quiet}.
 *
 * <p>Use: {@code Progress p = quiet.start(spec, "rows")} (a {@link ProgressOptions} mixin gives
 * the command {@code --quiet}); optionally {@link #totalBytes} with a byte counter of the input
 * (the share of the input read is a fair proxy for the share of the work done: rows are not
 * counted ahead) or {@link #totalUnits}; {@link #add} after each batch; {@link #finish} with the
 * summary's counts at the end. One thread at a time: the one running the command.
 */
public final class Progress {
  static final long REDRAW_NANOS = 500_000_000L;

  private final PrintWriter err;
  private final String label;
  private final String unit;
  private final boolean live;
  private final boolean quiet;
  private final LongSupplier clock;
  private final long start;
  private long done;
  private long totalUnits = -1;
  private long totalBytes = -1;
  private LongSupplier bytesRead;
  private long lastDraw;
  /** When the first unit was counted: the live rate leaves out the time before (model load). */
  private long workStart = -1;
  private int drawnWidth;

  Progress(PrintWriter err, String label, String unit, boolean live, boolean quiet,
      LongSupplier clock) {
    this.err = err;
    this.label = label;
    this.unit = unit;
    this.live = live && !quiet;
    this.quiet = quiet;
    this.clock = clock;
    this.start = clock.getAsLong();
    this.lastDraw = start;
  }

  /**
   * A reporter writing to {@code err} as {@code label} ({@code "model2vec encode"}), counting
   * {@code unit}s ({@code "rows"}); live only when standard error is a terminal and not
   * {@code quiet}.
   */
  public static Progress start(PrintWriter err, String label, String unit, boolean quiet) {
    return new Progress(err, label, unit, stderrIsTerminal(), quiet, System::nanoTime);
  }

  /** The total, in units, for the percentage and the time left. */
  public Progress totalUnits(long total) {
    this.totalUnits = total;
    return this;
  }

  /**
   * The input's size in bytes and a counter of the bytes read so far: the share read stands for
   * the share done. A size of 0 or less (standard input, a pipe) means unknown: no time left.
   */
  public Progress totalBytes(long size, LongSupplier read) {
    if (size > 0) {
      this.totalBytes = size;
      this.bytesRead = read;
    }
    return this;
  }

  /**
   * {@code in}, counting the bytes read from it as the share done of an input of {@code size}
   * bytes (see {@link #totalBytes}; {@link #sizeOf} gives a file's).
   */
  public InputStream reading(InputStream in, long size) {
    long[] count = new long[1];
    totalBytes(size, () -> count[0]);
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
          count[0]++;
        }
        return b;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
          count[0] += n;
        }
        return n;
      }

      @Override
      public long skip(long n) throws IOException {
        long k = in.skip(n);
        count[0] += Math.max(0, k);
        return k;
      }
    };
  }

  /** The size of a regular file, else -1 (standard input, a pipe, a missing file: unknown). */
  public static long sizeOf(Path file) {
    try {
      return file != null && Files.isRegularFile(file) ? Files.size(file) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Counts {@code n} more units done; redraws the line when it is due. */
  public void add(long n) {
    done += n;
    if (live) {
      long now = clock.getAsLong();
      if (workStart < 0) {
        workStart = now;
        lastDraw = now; // the first line after half a second of work: a rate that means something
        return;
      }
      if (now - lastDraw >= REDRAW_NANOS) {
        lastDraw = now;
        draw(now);
      }
    }
  }

  /** The units counted so far. */
  public long done() {
    return done;
  }

  /**
   * Clears the live line and prints the summary (unless quiet): {@code "<label>: <counts>,
   * 12.3 s (4,567 rows/s)"}; the rate counts the units {@link #add}ed.
   */
  public void finish(String counts) {
    clearLine();
    if (!quiet) {
      double secs = seconds(clock.getAsLong());
      err.printf(Locale.ROOT, "%s: %s, %s%n", label, counts, timeAndRate(secs));
    }
    err.flush();
  }

  /** Clears the live line (before an error message, say); the next {@link #add} redraws it. */
  public void clearLine() {
    if (drawnWidth > 0) {
      err.print("\r" + " ".repeat(drawnWidth) + "\r");
      err.flush();
      drawnWidth = 0;
    }
  }

  private String timeAndRate(double secs) {
    return String.format(Locale.ROOT, "%.1f s (%s %s/s)", secs, rate(secs > 0 ? done / secs : 0),
        unit);
  }

  /** A rate with digits that say something: 1,234 or 12.3 or 0.52. */
  static String rate(double r) {
    return String.format(Locale.ROOT, r >= 100 ? "%,.0f" : r >= 10 ? "%.1f" : "%.2f", r);
  }

  private double seconds(long now) {
    return (now - start) / 1e9;
  }

  /**
   * The live line: {@code "<label>: 12,345 rows, 4,567 rows/s, 42%, 0m13s left"}; the rate and
   * the time left count from the first unit, not from the command's start.
   */
  String line(long now) {
    double secs = (now - (workStart < 0 ? start : workStart)) / 1e9;
    double rate = secs > 0 ? done / secs : 0;
    StringBuilder s = new StringBuilder(80);
    s.append(label).append(": ")
        .append(String.format(Locale.ROOT, "%,d %s, %s %s/s", done, unit, rate(rate), unit));
    double frac = fraction();
    if (frac >= 0) {
      s.append(String.format(Locale.ROOT, ", %.0f%%", Math.min(100, frac * 100)));
      if (frac > 0 && frac < 1) {
        long left = Math.round(secs * (1 - frac) / frac);
        s.append(", ").append(clock(left)).append(" left");
      }
    }
    return s.toString();
  }

  private double fraction() {
    if (totalUnits > 0) {
      return (double) done / totalUnits;
    }
    if (totalBytes > 0) {
      return (double) bytesRead.getAsLong() / totalBytes;
    }
    return -1;
  }

  private void draw(long now) {
    String s = line(now);
    // pad over the longer line drawn before, so no old characters stay at its end
    int pad = Math.max(0, drawnWidth - s.length());
    err.print("\r" + s + " ".repeat(pad));
    err.flush();
    drawnWidth = s.length() + pad; // what the screen holds
  }

  static String clock(long seconds) {
    return seconds >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds / 60 % 60)
        : String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }

  /**
   * Whether standard error is a terminal: as bin/launch says ({@code model2vec.stderr.terminal}),
   * else as the JVM sees it. {@code System.console()} asks about standard input and
   * output, not standard error: {@code encode > out.jsonl} on a terminal has no console but a
   * person watching standard error. So, on Linux, what file descriptor 2 points to
   * ({@code /dev/pts/N}, {@code /dev/ttyN}); elsewhere the console.
   */
  static boolean stderrIsTerminal() {
    Boolean told = Settings.STDERR_TERMINAL.get(); // bin/launch knows: its JVM writes to a pipe
    if (told != null) {
      return told;
    }
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }
}
