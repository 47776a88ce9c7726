package io.model2vec.distill;

import io.model2vec.Settings;
import java.io.PrintStream;

/**
 * A one-line progress bar ({@code \r}-redrawn at most 5 times a second), or, for a log file, one
 * line every {@link #LOG_INTERVAL_NANOS}; or nothing.
 */
final class Progress {
  static final long LOG_INTERVAL_NANOS = 30_000_000_000L;
  private static final int WIDTH = 30;
  private final PrintStream out;
  private final String label;
  private final String unit;
  private final long total;
  private final long start = System.nanoTime();
  /** Units done before this run (a resumed job): counted in the bar, not in the rate. */
  private final long already;
  private final boolean lines;
  private long done;
  private long lastDraw;

  Progress(PrintStream out, String label, long total, String unit) {
    this(out, label, total, unit, 0, false);
  }

  /**
   * A bar that starts at {@code already} of {@code total}; {@code lines}: a new line every 30 s
   * instead of redrawing one line (for logs).
   */
  Progress(PrintStream out, String label, long total, String unit, long already, boolean lines) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.unit = unit;
    this.already = already;
    this.done = already;
    // bin/launch says when standard error is a log file or a pipe: lines, not \r redraws
    this.lines = lines || Boolean.FALSE.equals(Settings.STDERR_TERMINAL.get());
  }

  void step(long n) {
    done += n;
    long now = System.nanoTime();
    long interval = lines ? LOG_INTERVAL_NANOS : 200_000_000L;
    if (out != null && (now - lastDraw > interval || (!lines && done >= total))) {
      lastDraw = now;
      draw(now);
    }
  }

  void done() {
    if (out != null) {
      if (lines || done < total || lastDraw == 0) {
        draw(System.nanoTime());
      }
      if (!lines) {
        out.println();
      }
      out.flush();
    }
  }

  private void draw(long now) {
    double secs = (now - start) / 1e9;
    double frac = total == 0 ? 1 : (double) done / total;
    int filled = (int) Math.round(frac * WIDTH);
    double rate = secs > 0 ? (done - already) / secs : 0;
    long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    out.printf((lines ? "" : "\r") + "%s [%s%s] %d/%d %s %3.0f%% %.0f %s/s, %s elapsed, ETA %s  ", label,
        "#".repeat(filled), " ".repeat(WIDTH - filled), done, total, unit, frac * 100, rate, unit,
        time(Math.round(secs)), time(eta));
    if (lines) {
      out.println();
    }
    out.flush();
  }

  private static String time(long s) {
    return s >= 60 ? (s / 60) + "m" + String.format("%02d", s % 60) + "s" : s + "s";
  }
}
