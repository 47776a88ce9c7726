package io.model2vec.distill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * tokenlearn's training on small synthetic data: gradients against finite differences, the
 * validation loss going down, determinism with a seed, the SIF post-processing.
 */
class TrainerTest {
  /** A random table. */
  static float[][] table(int vocab, int dims, Random r) {
    float[][] t = new float[vocab][dims];
    for (float[] row : t) {
      for (int j = 0; j < dims; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    return t;
  }

  /** Random passages of 1-12 token ids. */
  static int[][] passages(int n, int vocab, Random r) {
    int[][] ids = new int[n][];
    for (int k = 0; k < n; k++) {
      ids[k] = new int[1 + r.nextInt(12)];
      for (int i = 0; i < ids[k].length; i++) {
        ids[k][i] = r.nextInt(vocab);
      }
    }
    return ids;
  }

  /**
   * Targets a hidden "teacher" table explains: the mean of its rows, mapped into a wider space
   * by a fixed random projection (so PCA has something to reduce).
   */
  static float[][] targets(int[][] ids, float[][] truth, int width, Random r) {
    int d = truth[0].length;
    double[][] proj = new double[width][d];
    for (double[] row : proj) {
      for (int j = 0; j < d; j++) {
        row[j] = r.nextGaussian();
      }
    }
    float[][] y = new float[ids.length][width];
    for (int k = 0; k < ids.length; k++) {
      double[] mean = new double[d];
      for (int t : ids[k]) {
        for (int j = 0; j < d; j++) {
          mean[j] += truth[t][j] / ids[k].length;
        }
      }
      for (int i = 0; i < width; i++) {
        y[k][i] = (float) BagModel.dot(proj[i], mean);
      }
    }
    return y;
  }

  /**
   * The head and the contrastive loss add four sums per pass; each must stay bit-identical to
   * the plain one-at-a-time sums (the built-in model is rebuilt byte for byte by
   * default-model/regenerate.sh). Widths and a batch that are not multiples of four take the
   * remainder loops too.
   */
  @Test
  void headAndContrastiveLossAreBitIdenticalToOneSumAtATime() {
    Random r = new Random(11);
    int vocab = 40;
    int dims = 9;
    int out = 7;
    BagModel m = new BagModel(table(vocab, dims, r), out, true);
    for (int i = 0; i < m.head.length; i++) {
      m.head[i] += 0.3 * r.nextGaussian();
    }
    for (int i = 0; i < out; i++) {
      m.bias[i] = 0.1 * r.nextGaussian();
    }
    int b = 10;
    int[][] ids = passages(b, vocab, r);
    float[][] y = new float[b][out];
    for (float[] row : y) {
      for (int i = 0; i < out; i++) {
        row[i] = (float) r.nextGaussian();
      }
    }
    int[] rows = {3, 1, 4, 0, 5, 9, 2, 6, 8, 7};
    double[][] h = new double[b][];
    for (int k = 0; k < b; k++) {
      double[] x = m.pool(ids[rows[k]]);
      h[k] = m.bias.clone();
      for (int i = 0; i < out; i++) {
        double s = 0;
        for (int j = 0; j < dims; j++) {
          s += m.head[i * dims + j] * x[j];
        }
        h[k][i] += s;
      }
      assertThat(m.headOf(x)).containsExactly(h[k]);
    }
    // the loss and its gradient at the head's output (summed into the bias gradient), written
    // as the loss was before the four-per-pass sums
    double[][] hn = new double[b][];
    double[] hNorm = new double[b];
    double[][] yn = new double[b][];
    for (int k = 0; k < b; k++) {
      hn[k] = h[k].clone();
      hNorm[k] = BagModel.normalize(hn[k]);
      yn[k] = BagModel.toDouble(y[rows[k]]);
      BagModel.normalize(yn[k]);
    }
    double total = 0;
    double[] bias = new double[out];
    for (int k = 0; k < b; k++) {
      double[] s = new double[b];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < b; j++) {
        s[j] = BagModel.dot(hn[k], yn[j]) / BagModel.TEMPERATURE;
        max = Math.max(max, s[j]);
      }
      double z = 0;
      for (int j = 0; j < b; j++) {
        z += Math.exp(s[j] - max);
      }
      total += max + Math.log(z) - s[k];
      double[] dhn = new double[out];
      for (int j = 0; j < b; j++) {
        double ds = (Math.exp(s[j] - max) / z - (j == k ? 1 : 0)) / (b * BagModel.TEMPERATURE);
        for (int i = 0; i < out; i++) {
          dhn[i] += ds * yn[j][i];
        }
      }
      double proj = BagModel.dot(hn[k], dhn);
      for (int i = 0; i < out; i++) {
        bias[i] += (dhn[i] - hn[k][i] * proj) / hNorm[k];
      }
    }
    BagModel.Grad g = new BagModel.Grad(m);
    assertThat(m.loss(ids, y, rows, BagModel.Loss.CONTRASTIVE, g)).isEqualTo(total / b);
    assertThat(g.bias).containsExactly(bias);
    // on three threads: the same loss and the same gradient, to the bit
    try (Parallel three = new Parallel(3)) {
      m.parallel = three;
      BagModel.Grad g3 = new BagModel.Grad(m);
      assertThat(m.loss(ids, y, rows, BagModel.Loss.CONTRASTIVE, g3)).isEqualTo(total / b);
      assertThat(g3.bias).containsExactly(g.bias);
      assertThat(g3.head).containsExactly(g.head);
      assertThat(g3.emb).containsExactly(g.emb);
      assertThat(g3.weight).containsExactly(g.weight);
    }
  }

  @ParameterizedTest
  @EnumSource(BagModel.Loss.class)
  void gradientsMatchFiniteDifferences(BagModel.Loss loss) {
    gradientsMatchFiniteDifferences(loss, 0);
  }

  @ParameterizedTest
  @EnumSource(BagModel.Loss.class)
  void gradientsWithTheRelationalTermMatchFiniteDifferences(BagModel.Loss loss) {
    gradientsMatchFiniteDifferences(loss, 0.7);
  }

  @Test
  void theRelationalTermsOwnTemperatureIsInItsGradient() {
    gradientsMatchFiniteDifferences(BagModel.Loss.CONTRASTIVE, 0.4, 0.37);
  }

  private void gradientsMatchFiniteDifferences(BagModel.Loss loss, double relational) {
    gradientsMatchFiniteDifferences(loss, relational, Double.NaN);
  }

  private void gradientsMatchFiniteDifferences(BagModel.Loss loss, double relational,
      double relationalTemperature) {
    Random r = new Random(7);
    int vocab = 15;
    int dims = 5;
    int out = 4; // a head that is not square
    BagModel m = new BagModel(table(vocab, dims, r), out, true);
    m.temperature = 0.13; // not the default: its place in the gradient is checked too
    m.relationalWeight = relational;
    m.relationalTemperature = relationalTemperature;
    for (int i = 0; i < m.head.length; i++) {
      m.head[i] += 0.3 * r.nextGaussian(); // away from the identity start
    }
    for (int t = 0; t < vocab; t++) {
      m.weight[t] = 0.5 + r.nextDouble();
    }
    for (int i = 0; i < out; i++) {
      m.bias[i] = 0.1 * r.nextGaussian();
    }
    int[][] ids = passages(6, vocab, r);
    float[][] y = new float[6][out];
    for (float[] row : y) {
      for (int i = 0; i < out; i++) {
        row[i] = (float) r.nextGaussian();
      }
    }
    int[] rows = {0, 1, 2, 3, 4, 5};
    BagModel.Grad g = new BagModel.Grad(m);
    m.loss(ids, y, rows, loss, g);
    int checked = 0;
    for (double[][] pair : new double[][][] {{m.emb, g.emb}, {m.weight, g.weight},
        {m.head, g.head}, {m.bias, g.bias}}) {
      double[] p = pair[0];
      double[] analytic = pair[1];
      for (int i = 0; i < p.length; i++) {
        double keep = p[i];
        double h = 1e-6;
        p[i] = keep + h;
        double up = m.loss(ids, y, rows, loss, null);
        p[i] = keep - h;
        double down = m.loss(ids, y, rows, loss, null);
        p[i] = keep;
        double numeric = (up - down) / (2 * h);
        assertThat(analytic[i]).as("%s gradient %d of a parameter block", loss, i)
            .isCloseTo(numeric, org.assertj.core.data.Offset.offset(
                1e-6 + 1e-5 * Math.abs(numeric)));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(vocab * dims + vocab + out * dims + out);
    // tokens that no passage holds get no gradient
    for (int t = 0; t < vocab; t++) {
      boolean used = false;
      for (int[] p : ids) {
        for (int id : p) {
          used |= id == t;
        }
      }
      if (!used) {
        assertThat(g.weight[t]).isZero();
      }
    }
  }

  static Trainer.Builder trainer(Trainer.Loss loss) {
    return Trainer.builder().loss(loss).batchSize(32).maxEpochs(15).patience(3)
        .learningRate(0.02).sifCoefficient(null);
  }

  @ParameterizedTest
  @EnumSource(Trainer.Loss.class)
  void trainingLowersTheValidationLoss(Trainer.Loss loss) {
    Random r = new Random(11);
    int vocab = 60;
    float[][] truth = table(vocab, 8, r);
    int[][] ids = passages(1200, vocab, r);
    float[][] y = targets(ids, truth, 12, r);
    Trainer.Result res = trainer(loss).build().train(table(vocab, 8, r), ids, y);
    assertThat(res.bestValidationLoss).as("%s: %s", loss,
        java.util.Arrays.toString(res.validationLosses))
        .isLessThan(0.5 * res.initialValidationLoss);
    // the kept state is the best epoch's
    double min = Double.MAX_VALUE;
    for (double v : res.validationLosses) {
      min = Math.min(min, v);
    }
    assertThat(res.bestValidationLoss).isEqualTo(min);
    assertThat(res.table).hasNumberOfRows(vocab);
    assertThat(res.table[0]).hasSize(8);
    // the 12-dim targets are exact means of an 8-dim table: PCA to 8 keeps all their variance
    assertThat(res.explainedVariance).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
  }

  @Test
  void withoutAHeadTheMeanOfTheRowsMeetsTheReducedTargets() {
    Random r = new Random(13);
    int vocab = 60;
    int[][] ids = passages(1200, vocab, r);
    float[][] y = targets(ids, table(vocab, 8, r), 12, r);
    Trainer.Result res = trainer(Trainer.Loss.COSINE).trainHead(false).maxEpochs(30).build()
        .train(table(vocab, 8, r), ids, y);
    assertThat(meanCosine(res.table, ids, Pca.fit(y, 8).transform(y))).isGreaterThan(0.95);
  }

  /** The mean over the passages of the cosine between the sum of their rows and their target. */
  static double meanCosine(float[][] table, int[][] ids, float[][] targets) {
    int dims = table[0].length;
    double cos = 0;
    for (int k = 0; k < ids.length; k++) {
      double[] x = new double[dims];
      for (int t : ids[k]) {
        for (int j = 0; j < dims; j++) {
          x[j] += table[t][j];
        }
      }
      double[] want = BagModel.toDouble(targets[k]);
      cos += BagModel.dot(x, want) / Math.sqrt(BagModel.dot(x, x) * BagModel.dot(want, want));
    }
    return cos / ids.length;
  }

  @Test
  void targetsOfTheModelsOwnWidthAreCentredToo() {
    // 8-dim targets for an 8-dim table, all shifted by one large common vector: the rows must
    // meet the centred targets (PCA at their own width), not the shared offset
    Random r = new Random(17);
    int vocab = 60;
    int[][] ids = passages(1200, vocab, r);
    float[][] y = targets(ids, table(vocab, 8, r), 8, r);
    for (float[] row : y) {
      for (int j = 0; j < row.length; j++) {
        row[j] += 10f;
      }
    }
    Trainer.Result res = trainer(Trainer.Loss.COSINE).trainHead(false).maxEpochs(30).build()
        .train(table(vocab, 8, r), ids, y);
    assertThat(meanCosine(res.table, ids, Pca.fit(y, 8).transform(y))).isGreaterThan(0.95);
    assertThat(res.explainedVariance).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
  }

  @Test
  void earlyStoppingEndsTrainingAfterPatienceEpochsWithoutImprovement() {
    Random r = new Random(5);
    int vocab = 40;
    int[][] ids = passages(300, vocab, r);
    float[][] y = targets(ids, table(vocab, 6, r), 6, r);
    // a learning rate this large makes the loss bounce after a while: training stops long before 50 epochs
    float[][] start = table(vocab, 6, r);
    Trainer.Result res = Trainer.builder().loss(Trainer.Loss.MSE).batchSize(16).maxEpochs(50)
        .patience(2).learningRate(0.5).sifCoefficient(null).build()
        .train(start, ids, y);
    assertThat(res.epochs).isLessThan(50);
    assertThat(res.epochs - res.bestEpoch).isEqualTo(2);
    assertThat(res.bestEpoch).isPositive();
    // the table returned is the best epoch's: the same run stopped right after that epoch
    Trainer.Result upToBest = Trainer.builder().loss(Trainer.Loss.MSE).batchSize(16)
        .maxEpochs(res.bestEpoch).patience(2).learningRate(0.5).sifCoefficient(null).build()
        .train(start, ids, y);
    assertThat(upToBest.epochs).isEqualTo(res.bestEpoch);
    assertThat(res.table).isDeepEqualTo(upToBest.table);
  }

  @Test
  void theSameSeedGivesTheSameTable() {
    Random r = new Random(3);
    int vocab = 50;
    int[][] ids = passages(400, vocab, r);
    float[][] y = targets(ids, table(vocab, 6, r), 10, r);
    float[][] start = table(vocab, 6, r);
    Trainer.Result a = trainer(Trainer.Loss.CONTRASTIVE).maxEpochs(3).seed(9).build()
        .train(start, ids, y);
    Trainer.Result b = trainer(Trainer.Loss.CONTRASTIVE).maxEpochs(3).seed(9).build()
        .train(start, ids, y);
    Trainer.Result c = trainer(Trainer.Loss.CONTRASTIVE).maxEpochs(3).seed(10).build()
        .train(start, ids, y);
    assertThat(a.table).isDeepEqualTo(b.table);
    assertThat(java.util.Arrays.deepEquals(a.table, c.table)).isFalse();
    // the threads change nothing: each writes its own slots, every sum keeps its order
    for (Trainer.Loss loss : Trainer.Loss.values()) {
      Trainer.Result one = trainer(loss).maxEpochs(3).seed(9).threads(1).build()
          .train(start, ids, y);
      Trainer.Result three = trainer(loss).maxEpochs(3).seed(9).threads(3).build()
          .train(start, ids, y);
      assertThat(three.table).as("%s", loss).isDeepEqualTo(one.table);
      assertThat(three.validationLosses).as("%s", loss).containsExactly(one.validationLosses);
    }
    // the relational term too, and it changes the table
    Trainer.Result one = trainer(Trainer.Loss.CONTRASTIVE).relationalWeight(0.5).maxEpochs(3)
        .seed(9).threads(1).build().train(start, ids, y);
    Trainer.Result three = trainer(Trainer.Loss.CONTRASTIVE).relationalWeight(0.5).maxEpochs(3)
        .seed(9).threads(3).build().train(start, ids, y);
    assertThat(three.table).isDeepEqualTo(one.table);
    assertThat(java.util.Arrays.deepEquals(a.table, one.table)).isFalse();
    // and the cosine schedule
    Trainer.Result cos1 = trainer(Trainer.Loss.CONTRASTIVE).cosineSchedule(true).maxEpochs(3)
        .seed(9).threads(1).build().train(start, ids, y);
    Trainer.Result cos3 = trainer(Trainer.Loss.CONTRASTIVE).cosineSchedule(true).maxEpochs(3)
        .seed(9).threads(3).build().train(start, ids, y);
    assertThat(cos3.table).isDeepEqualTo(cos1.table);
    assertThat(java.util.Arrays.deepEquals(a.table, cos1.table)).isFalse();
  }

  @Test
  void theCosineScheduleDecaysTheLearningRateToZero() {
    assertThat(Trainer.cosineRate(0.002, 0, 100)).isEqualTo(0.002);
    assertThat(Trainer.cosineRate(0.002, 50, 100)).isCloseTo(0.001,
        org.assertj.core.data.Offset.offset(1e-15));
    assertThat(Trainer.cosineRate(0.002, 100, 100)).isCloseTo(0,
        org.assertj.core.data.Offset.offset(1e-18));
    // a run on the schedule learns as one at a constant rate does
    Random r = new Random(5);
    int vocab = 40;
    int[][] ids = passages(300, vocab, r);
    float[][] y = targets(ids, table(vocab, 6, r), 10, r);
    Trainer.Result res = trainer(Trainer.Loss.CONTRASTIVE).cosineSchedule(true).maxEpochs(8)
        .build().train(table(vocab, 6, r), ids, y);
    assertThat(res.bestValidationLoss).isLessThan(0.5 * res.initialValidationLoss);
  }

  @Test
  void sifScalesRowsByTheirTokensFrequency() {
    float[][] t = {{1, 2}, {3, 4}, {5, 6}};
    int[][] ids = {{0, 0, 1}, {0}, {2, 2}};
    // passages 0 and 1 only: token 0 is 3 of 4 tokens, token 1 is 1 of 4, token 2 unseen
    Trainer.applySif(t, ids, new int[] {0, 1}, 0.5);
    assertThat(t[0]).containsExactly((float) (0.5 / 1.25), (float) (2 * 0.5 / 1.25));
    assertThat(t[1]).containsExactly((float) (3 * 0.5 / 0.75), (float) (4 * 0.5 / 0.75));
    assertThat(t[2]).containsExactly(5f, 6f);
  }

  @Test
  void centeringSubtractsTheMeanRowBeforeSif() {
    float[][] t = {{1, 2}, {3, 4}, {5, 12}};
    Trainer.center(t);
    assertThat(t[0]).containsExactly(-2f, -4f);
    assertThat(t[1]).containsExactly(0f, -2f);
    assertThat(t[2]).containsExactly(2f, 6f);

    // in train(): centred, then SIF-weighted
    Random r = new Random(5);
    int vocab = 40;
    int[][] ids = passages(300, vocab, r);
    float[][] y = targets(ids, table(vocab, 6, r), 10, r);
    float[][] start = table(vocab, 6, r);
    Trainer.Result raw = trainer(Trainer.Loss.COSINE).maxEpochs(2).sifCoefficient(null).build()
        .train(start, ids, y);
    Trainer.Result centred = trainer(Trainer.Loss.COSINE).maxEpochs(2).sifCoefficient(null)
        .centerTable(true).build().train(start, ids, y);
    float[][] expected = new float[vocab][];
    for (int i = 0; i < vocab; i++) {
      expected[i] = raw.table[i].clone();
    }
    Trainer.center(expected);
    assertThat(centred.table).isDeepEqualTo(expected);
    double[] mean = new double[6];
    for (float[] row : centred.table) {
      for (int j = 0; j < 6; j++) {
        mean[j] += row[j] / vocab;
      }
    }
    for (double m : mean) {
      assertThat(Math.abs(m)).isLessThan(1e-5);
    }
  }

  @Test
  void foldingTheHeadMakesTheMeanOfTheRowsTheHeadsOutput() {
    Random r = new Random(11);
    int vocab = 30;
    int[][] ids = passages(200, vocab, r);
    float[][] y = targets(ids, table(vocab, 5, r), 5, r);
    float[][] start = table(vocab, 5, r);
    Trainer.Result folded = trainer(Trainer.Loss.CONTRASTIVE).maxEpochs(3).sifCoefficient(null)
        .foldHead(true).build().train(start, ids, y);
    Trainer.Result dropped = trainer(Trainer.Loss.CONTRASTIVE).maxEpochs(3)
        .sifCoefficient(null).build().train(start, ids, y);
    // the same training: only the table written differs
    assertThat(folded.rows).isDeepEqualTo(dropped.rows);
    assertThat(dropped.table).isDeepEqualTo(dropped.rows);
    assertThat(folded.table).isDeepEqualTo(folded.folded);
    assertThat(java.util.Arrays.deepEquals(folded.table, dropped.table)).isFalse();

    // on a model with a trained (non-identity) head and bias: mean of folded rows == W x + b
    BagModel m = new BagModel(start, 5, true);
    for (int i = 0; i < m.head.length; i++) {
      m.head[i] = r.nextGaussian();
    }
    for (int i = 0; i < m.bias.length; i++) {
      m.bias[i] = r.nextGaussian();
      m.weight[i] = 0.5 + r.nextDouble();
    }
    float[][] t = m.foldedTable();
    for (int[] passage : java.util.Arrays.copyOf(ids, 20)) {
      double[] expected = m.headOf(m.pool(passage));
      double[] mean = new double[5];
      for (int tok : passage) {
        for (int j = 0; j < 5; j++) {
          mean[j] += t[tok][j] / (double) passage.length;
        }
      }
      for (int j = 0; j < 5; j++) {
        assertThat(mean[j]).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-5));
      }
    }
  }
}
