package io.model2vec.distill;

import java.io.PrintStream;

/** A one-line progress bar ({@code \r}-redrawn at most 5 times a second), or nothing. */
final class Progress {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private final String label;
  private final String unit;
  private final long total;
  private final long start = System.nanoTime();
  private long done;
  private long lastDraw;

  Progress(PrintStream out, String label, long total, String unit) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.unit = unit;
  }

  void step(long n) {
    done += n;
    long now = System.nanoTime();
    if (out != null && (now - lastDraw > 200_000_000L || done >= total)) {
      lastDraw = now;
      draw(now);
    }
  }

  void done() {
    if (out != null) {
      if (done < total || lastDraw == 0) {
        draw(System.nanoTime());
      }
      out.println();
      out.flush();
    }
  }

  private void draw(long now) {
    double secs = (now - start) / 1e9;
    double frac = total == 0 ? 1 : (double) done / total;
    int filled = (int) Math.round(frac * WIDTH);
    double rate = secs > 0 ? done / secs : 0;
    long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    out.printf("\r%s [%s%s] %d/%d %s %3.0f%% %.0f %s/s, %s elapsed, ETA %s  ", label,
        "#".repeat(filled), " ".repeat(WIDTH - filled), done, total, unit, frac * 100, rate, unit,
        time(Math.round(secs)), time(eta));
    out.flush();
  }

  private static String time(long s) {
    return s >= 60 ? (s / 60) + "m" + String.format("%02d", s % 60) + "s" : s + "s";
  }
}
