package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    assertThat(m.get(1).subject).isEqualTo("Cheap pills");
    assertThat(m.get(1).body).isEqualTo("Buy now");
    assertThat(m.get(0).subject).isEqualTo("Re: meeting");
    assertThat(m.get(0).body).isEqualTo("See you at 3.");
  }

  @Test
  void aReplysOwnTextLeavesOutTheLinesThatQuoteAnotherMessage() {
    String raw = "Subject: Re: the film\r\nFrom: a@b\r\n\r\nCount me in.\r\n"
        + "On Wed, 14 Aug 2002, Rick Moen wrote:\r\n> Is this the film\r\n  >> of 2600?\r\n"
        + "| piped quote\r\nSee you there.\r\n";
    assertThat(SpamAssassin.clean(SpamAssassin.unquoted(raw)))
        .isEqualTo("Re: the film Count me in. See you there.");
    assertThat(SpamAssassin.clean(raw)).contains("Is this the film");
    // headers only: nothing to drop
    assertThat(SpamAssassin.unquoted("Subject: x")).isEqualTo("Subject: x");
  }

  @Test
  void writeHeldOutListsTheScoredSampleAndTheOtherMessagesWithoutQuotes() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("package/data/easy-ham-1"));
    for (int i = 0; i < 7; i++) {
      Files.writeString(data.resolve(String.format("%05d.json", i)), "{\"group\":\"easy-ham-1\","
          + "\"text\":\"Subject: message " + i + "\\n\\nBody " + i
          + "\\n> quoted " + i + "\\n\"}");
    }
    Path out = tmp.resolve("mails.tsv");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(DistillCommandTest.withStderr(err, () -> Model2VecCli.run("evaluate", "--dataset",
        tmp.resolve("package").toString(), "--limit", "3", "--seed", "9", "--write-held-out",
        out.toString()))).isZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("3 sample and 4 held-out messages");
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(7);
    // the sample is the one evaluate scores with this seed and limit: the first 3 of its shuffle
    List<SpamAssassin.Message> all = new java.util.ArrayList<>(
        SpamAssassin.load(tmp.resolve("package")));
    java.util.Collections.shuffle(all, new Random(9));
    for (int i = 0; i < 7; i++) {
      String own = all.get(i).text.replaceAll(" > quoted \\d$", "");
      assertThat(lines.get(i)).isEqualTo(i < 3 ? "sample\t" + all.get(i).text
          : "held-out\t" + own);
    }
    assertThat(lines.get(0)).contains("> quoted");
    assertThat(lines.get(6)).startsWith("held-out\tmessage ").doesNotContain("quoted");
  }

  @Test
  void retrievalRanksEachQuerysOwnDocument() {
    // 2-D unit vectors on a circle
    float[][] docs = new float[4][];
    for (int i = 0; i < 4; i++) {
      docs[i] = new float[] {(float) Math.cos(i * 0.4), (float) Math.sin(i * 0.4)};
    }
    Evaluation.Retrieval perfect = Evaluation.retrieval(docs, docs);
    assertThat(perfect.mrr).isEqualTo(1.0);
    assertThat(perfect.recallAt10).isEqualTo(1.0);
    // docs at angles 0, 0.3, 0.9, 1.6; queries at 0.35, 0.9, 0.5, 1.6: query 0 is nearer doc 1
    // than doc 0 (rank 2), query 1 sits on doc 2 (rank 2), query 2 is nearer doc 1 (rank 2),
    // query 3 sits on doc 3 (rank 1)
    double[] da = {0, 0.3, 0.9, 1.6};
    double[] qa = {0.35, 0.9, 0.5, 1.6};
    float[][] d = new float[4][];
    float[][] q = new float[4][];
    for (int i = 0; i < 4; i++) {
      d[i] = new float[] {(float) Math.cos(da[i]), (float) Math.sin(da[i])};
      q[i] = new float[] {(float) Math.cos(qa[i]), (float) Math.sin(qa[i])};
    }
    Evaluation.Retrieval r = Evaluation.retrieval(q, d);
    assertThat(r.mrr).isCloseTo((0.5 + 0.5 + 0.5 + 1) / 4, within(1e-12));
    assertThat(r.recallAt10).isEqualTo(1.0);
    // every text the same vector: the match ties with all, ranked last
    float[][] same = new float[12][];
    java.util.Arrays.fill(same, new float[] {1, 0});
    Evaluation.Retrieval flat = Evaluation.retrieval(same, same);
    assertThat(flat.mrr).isCloseTo(1 / 12.0, within(1e-12));
    assertThat(flat.recallAt10).isZero();
  }

  @Test
  void retrievalPairsDropPrefixesShortPartsAndDuplicates() {
    String body = "one two three four five six seven eight nine ten";
    List<SpamAssassin.Message> m = List.of(
        new SpamAssassin.Message("Re: [SAdev] Fwd: spam filter rules", body + " a", false),
        new SpamAssassin.Message("Cheap pills", "too short a body", true),
        new SpamAssassin.Message("Hello", body + " b", false), // one-word subject
        new SpamAssassin.Message("Same subject here", body + " c", true),
        new SpamAssassin.Message("RE: same subject HERE", body + " d", true),
        new SpamAssassin.Message("Unique subject", body + " e", false),
        new SpamAssassin.Message("Another subject", body + " e", false));
    List<String[]> p = EvaluateCommand.retrievalPairs(m);
    assertThat(p).hasSize(1);
    assertThat(p.get(0)).containsExactly("spam filter rules", body + " a");
  }
}
