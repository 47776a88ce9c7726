package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationTest {
  @TempDir
  Path tmp;

  @Test
  void separableClassesScoreHighAndRandomLabelsScoreAtChance() {
    Random rnd = new Random(5);
    int n = 600;
    float[][] x = new float[n][10];
    int[] y = new int[n];
    int[] noise = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % 3 == 0 ? 1 : 0;
      noise[i] = rnd.nextInt(3) == 0 ? 1 : 0;
      for (int j = 0; j < 10; j++) {
        x[i][j] = (float) rnd.nextGaussian();
      }
      x[i][3] += y[i] == 1 ? 2.5f : -2.5f; // one informative direction
    }
    Evaluation.Scores good = Evaluation.crossValidate(x, y, 5, 1, 1.0);
    assertThat(good.tp + good.fp + good.tn + good.fn).isEqualTo(n); // each row predicted once
    assertThat(good.accuracy()).isGreaterThan(0.97);
    assertThat(good.f1()).isGreaterThan(0.95);
    Evaluation.Scores chance = Evaluation.crossValidate(x, noise, 5, 1, 1.0);
    assertThat(chance.f1()).isLessThan(0.5);
    assertThat(chance.accuracy()).isLessThan(0.75);
  }

  @Test
  void foldsAreStratifiedAndDeterministic() {
    int[] y = new int[100];
    for (int i = 0; i < 30; i++) {
      y[i * 3] = 1;
    }
    int[] f = Evaluation.assignFolds(y, 5, 9);
    assertThat(Evaluation.assignFolds(y, 5, 9)).containsExactly(f);
    for (int k = 0; k < 5; k++) {
      int pos = 0;
      int all = 0;
      for (int i = 0; i < y.length; i++) {
        if (f[i] == k) {
          all++;
          pos += y[i];
        }
      }
      assertThat(all).isEqualTo(20);
      assertThat(pos).isEqualTo(6);
    }
  }

  @Test
  void scoresAreComputedFromTheConfusionCounts() {
    Evaluation.Scores s = new Evaluation.Scores(8, 2, 85, 5);
    assertThat(s.accuracy()).isCloseTo(0.93, within(1e-12));
    assertThat(s.f1()).isCloseTo(16.0 / 23.0, within(1e-12));
  }

  @Test
  void readsTheNpmPackageLayoutAndKeepsSubjectAndBody() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("package/data/spam-1"));
    Files.createDirectories(tmp.resolve("package/data/easy-ham-1"));
    Files.writeString(tmp.resolve("package/data/file_list.json"), "[]");
    Files.writeString(data.resolve("00001.json"), "{\"id\":\"00001\",\"group\":\"spam-1\","
        + "\"text\":\"From: x@y\\nSubject: Cheap pills\\nX-Junk: 1\\n\\n<b>Buy</b>   now\\n\"}");
    Files.writeString(tmp.resolve("package/data/easy-ham-1/00002.json"), "{\"id\":\"00002\","
        + "\"group\":\"easy-ham-1\",\"text\":\"Subject: Re: meeting\\n\\nSee you at 3.\"}");
    List<SpamAssassin.Message> m = SpamAssassin.load(tmp.resolve("package"));
    assertThat(m).hasSize(2);
    assertThat(m.get(0).spam).isFalse();
    assertThat(m.get(0).text).isEqualTo("Re: meeting See you at 3.");
    assertThat(m.get(1).spam).isTrue();
    assertThat(m.get(1).text).isEqualTo("Cheap pills Buy now");
  }
}
