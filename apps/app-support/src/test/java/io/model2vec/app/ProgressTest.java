package io.model2vec.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private final StringWriter text = new StringWriter();
  private final PrintWriter err = new PrintWriter(text);
  private long now;

  private Progress progress(boolean live, boolean quiet) {
    return new Progress(err, "model2vec encode", "rows", live, quiet, () -> now);
  }

  @Test
  void onATerminalRedrawsOneLineAtMostTwiceASecondThenClearsItForTheSummary() {
    Progress p = progress(true, false).totalUnits(1000);
    now = 100_000_000L; // after the model's load, say: the live rate counts from here
    p.add(100); // the first rows: not yet
    assertThat(text.toString()).isEmpty();
    now = 1_000_000_000L;
    p.add(150);
    assertThat(text.toString()).isEqualTo("\rmodel2vec encode: 250 rows, 278 rows/s, 25%, 0m03s left");
    now = 1_200_000_000L;
    p.add(50); // 0.2 s after the last draw
    assertThat(text.toString()).doesNotContain("300 rows");
    now = 2_000_000_000L;
    p.add(700);
    assertThat(text.toString()).contains("\rmodel2vec encode: 1,000 rows, 526 rows/s, 100%");
    p.finish("1000 rows in, 1000 out, 0 rejected");
    String all = text.toString();
    String last = all.substring(all.lastIndexOf('\r') + 1);
    assertThat(last).isEqualTo("model2vec encode: 1000 rows in, 1000 out, 0 rejected, 2.0 s "
        + "(500 rows/s)\n");
    // the line was blanked before the summary: no characters of it stay on the screen
    String longest = "model2vec encode: 250 rows, 278 rows/s, 25%, 0m03s left";
    assertThat(all).contains("\r" + " ".repeat(longest.length()) + "\r");
  }

  @Test
  void aShorterLineIsPaddedOverTheLongerOneBefore() {
    Progress p = progress(true, false).totalUnits(100);
    p.add(1);
    now = 1_000_000_000L;
    p.add(9);
    String first = text.toString();
    assertThat(first).isEqualTo("\rmodel2vec encode: 10 rows, 10.0 rows/s, 10%, 0m09s left");
    now = 1000_000_000_000L; // done, slowly: no time left, a shorter line
    p.add(90);
    String second = text.toString().substring(first.length());
    assertThat(second).hasSize(first.length())
        .startsWith("\rmodel2vec encode: 100 rows, 0.10 rows/s, 100%   ");
  }

  @Test
  void offATerminalOnlyTheSummaryAndWithQuietNothing() {
    Progress p = progress(false, false);
    for (int i = 0; i < 10; i++) {
      now += 1_000_000_000L;
      p.add(1);
    }
    assertThat(text.toString()).isEmpty();
    p.finish("10 rows in");
    assertThat(text.toString()).isEqualTo("model2vec encode: 10 rows in, 10.0 s (1.00 rows/s)\n");

    StringWriter quietText = new StringWriter();
    Progress q = new Progress(new PrintWriter(quietText), "x", "rows", true, true, () -> now);
    now += 10_000_000_000L;
    q.add(5);
    q.finish("5 rows");
    assertThat(quietText.toString()).isEmpty();
  }

  @Test
  void theShareOfTheInputReadGivesTheTimeLeftWhenRowsAreNotCountedAhead() throws IOException {
    Progress p = progress(true, false);
    InputStream in = p.reading(new ByteArrayInputStream(new byte[400]), 400);
    p.add(1);
    assertThat(in.read(new byte[100])).isEqualTo(100);
    now = 1_000_000_000L;
    p.add(6);
    assertThat(text.toString()).endsWith("7 rows, 7.00 rows/s, 25%, 0m03s left");
    // unknown size (standard input): no percentage, no time left
    StringWriter other = new StringWriter();
    Progress unknown = new Progress(new PrintWriter(other), "s", "queries", true, false,
        () -> now);
    unknown.reading(new ByteArrayInputStream(new byte[4]), -1).read();
    unknown.add(1);
    now = 3_000_000_000L;
    unknown.add(2);
    assertThat(other.toString()).isEqualTo("\rs: 3 queries, 1.50 queries/s"); // 2 s of work
  }

  @Test
  void clockAndRate() {
    assertThat(Progress.clock(59)).isEqualTo("0m59s");
    assertThat(Progress.clock(3599)).isEqualTo("59m59s");
    assertThat(Progress.clock(7260)).isEqualTo("2h01m");
    assertThat(Progress.rate(2261.4)).isEqualTo("2,261");
    assertThat(Progress.rate(12.34)).isEqualTo("12.3");
    assertThat(Progress.rate(0.5)).isEqualTo("0.50");
  }

  @Test
  void theLauncherSaysWhetherStandardErrorIsATerminal() {
    System.setProperty("model2vec.stderr.terminal", "true");
    try {
      assertThat(Progress.stderrIsTerminal()).isTrue();
      System.setProperty("model2vec.stderr.terminal", "false");
      assertThat(Progress.stderrIsTerminal()).isFalse();
    } finally {
      System.clearProperty("model2vec.stderr.terminal");
    }
  }
}
