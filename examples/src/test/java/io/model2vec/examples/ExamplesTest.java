package io.model2vec.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each example runs as a user would run it, and prints what it should. */
class ExamplesTest {
  @Test
  void javaRanksTheBreadRecipeAboveTheRocket() throws Exception {
    String out = run(() -> JavaExample.main(new String[0]));
    assertThat(out.lines()).hasSize(2);
    assertThat(score(out, "sourdough")).isGreaterThan(score(out, "rocket"));
  }

  @Test
  void sparkSqlRanksTheBreadRecipeFirst() throws Exception {
    String out = run(() -> SparkSqlExample.main(new String[0]));
    assertThat(out.lines().filter(l -> l.matches("-?\\d\\.\\d{3}  .*"))).hasSize(2)
        .first().asString().contains("sourdough");
  }

  @Test
  void dedupFindsNearDuplicatePairsOnceAboveTheThreshold() throws Exception {
    String out = run(() -> DedupExample.main(new String[0]));
    java.util.List<String> pairs = out.lines().filter(l -> l.matches("\\d\\.\\d{3}  \\d+ ~ \\d+  .*"))
        .collect(java.util.stream.Collectors.toList());
    // the sample's seven closest pairs with the built-in model (cosine 0.635 to 0.556; the eighth
    // is at 0.539): sleep first; two on the space station; icy slope and roads; rocket and
    // spacecraft; spacecraft and planets; gas and dust
    assertThat(pairs).hasSize(7);
    assertThat(pairs.get(0)).contains("123 ~ 181");
    assertThat(pairs.stream().map(p -> p.split("\\s+")[1] + " ~ " + p.split("\\s+")[3]))
        .containsExactlyInAnyOrder("123 ~ 181", "161 ~ 178", "33 ~ 63", "161 ~ 172", "160 ~ 170",
            "170 ~ 173", "169 ~ 171");
    for (String p : pairs) {
      String[] f = p.split("\\s+");
      assertThat(Double.parseDouble(f[0])).isGreaterThanOrEqualTo(0.55);
      assertThat(Long.parseLong(f[3])).isGreaterThan(Long.parseLong(f[1])); // each pair once
    }
  }

  @Test
  void flinkSqlEmbedsWithTheBuiltInModel() throws Exception {
    String out = run(() -> FlinkSqlExample.main(new String[0]));
    assertThat(out).contains("How do I bake bread? -> 384 dimensions")
        .contains("The rocket launched at dawn -> 384 dimensions");
  }

  private static double score(String out, String word) {
    return out.lines().filter(l -> l.contains(word)).mapToDouble(l -> Double.parseDouble(
        l.trim().split("\\s+")[0])).findFirst().orElseThrow();
  }

  interface Main {
    void run() throws Exception;
  }

  private static synchronized String run(Main main) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(old);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    old.print(out);
    return out;
  }
}
