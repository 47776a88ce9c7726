package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The load log line says how long a load took and where the time went (issue 17, item 10). */
class LoadTimeTest {
  private static final Pattern LINE = Pattern.compile("(\\d+) ms: files read (\\d+) ms, "
      + "tokenizer\\.json parsed (\\d+) ms, table read and checked (\\d+) ms, "
      + "tokenizer built (\\d+) ms");

  @Test
  void theLoadLineBreaksTheTimeDownByPhase() {
    for (String name : new String[] {"test-model-float32", "test-model-float16", "test-model-int8"}) {
      String model = Fixtures.model(name).toString();
      try (StaticModel m = StaticModel.load(model)) {
        Matcher p = LINE.matcher(m.loadTime());
        assertThat(p.matches()).as(m.loadTime()).isTrue();
        long total = Long.parseLong(p.group(1));
        long parts = 0;
        for (int g = 2; g <= 5; g++) {
          parts += Long.parseLong(p.group(g));
        }
        // each phase is truncated to whole milliseconds on its own
        assertThat(parts).isBetween(total - 4, total);
      }
    }
  }
}
