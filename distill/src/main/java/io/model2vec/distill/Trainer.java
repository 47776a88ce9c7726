package io.model2vec.distill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * tokenlearn on the JVM: trains the token table of a static model so that the mean of a passage's
 * token rows predicts the teacher's embedding of that passage.
 *
 * <ol>
 *   <li>the targets (the teacher's mean token states, from {@link Featurizer}) are reduced by PCA
 *       to the model's dimensions;
 *   <li>a seeded split keeps {@code validation} of the passages (at most 10,000) aside;
 *   <li>mini-batch Adam trains the rows, optionally one weight per token, and a linear head
 *       (identity at the start) on the contrastive, cosine or MSE loss ({@link BagModel});
 *   <li>after every epoch the validation loss is measured; the best state is kept, and training
 *       stops after {@code patience} epochs without improvement (or {@code maxEpochs});
 *   <li>the rows times their weights are the new table, then SIF weighting by the tokens'
 *       frequencies in the training passages: row {@code t} times {@code c / (c + p_t)}.
 * </ol>
 *
 * Single-threaded and deterministic: the same inputs and seed give the same table.
 */
public final class Trainer {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_VALIDATION = 10_000;

  /** The loss, as tokenlearn names them. */
  public enum Loss {
    CONTRASTIVE, COSINE, MSE
  }

  private final Loss loss;
  private final double learningRate;
  private final int batchSize;
  private final int maxEpochs;
  private final int patience;
  private final double validation;
  private final long seed;
  private final boolean trainWeights;
  private final boolean trainHead;
  private final Double sif;
  private final boolean center;
  private final boolean foldHead;
  private final PrintStream progress;
  private final int threads;
  private final double temperature;
  private final double relationalWeight;
  private final double relationalTemperature;
  private final boolean cosineSchedule;

  private Trainer(Builder b) {
    this.loss = b.loss;
    this.learningRate = b.learningRate;
    this.batchSize = b.batchSize;
    this.maxEpochs = b.maxEpochs;
    this.patience = b.patience;
    this.validation = b.validation;
    this.seed = b.seed;
    this.trainWeights = b.trainWeights;
    this.trainHead = b.trainHead;
    this.sif = b.sif;
    this.center = b.center;
    this.foldHead = b.foldHead;
    this.progress = b.progress;
    this.threads = b.threads;
    this.temperature = b.temperature;
    this.relationalWeight = b.relationalWeight;
    this.relationalTemperature = Double.isNaN(b.relationalTemperature) ? b.temperature
        : b.relationalTemperature;
    this.cosineSchedule = b.cosineSchedule;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings; the defaults are tokenlearn's (contrastive, lr 1e-3, batch 256, 10% validation). */
  public static final class Builder {
    private Loss loss = Loss.CONTRASTIVE;
    private double learningRate = 1e-3;
    private int batchSize = 256;
    private int maxEpochs = 30;
    private int patience = 3;
    private double validation = 0.1;
    private long seed = 42;
    private boolean trainWeights = true;
    private boolean trainHead = true;
    private Double sif = 1e-3;
    private boolean center;
    private boolean foldHead;
    private PrintStream progress;
    private int threads = 1;
    private double temperature = BagModel.TEMPERATURE;
    private double relationalWeight;
    private double relationalTemperature = Double.NaN;
    private boolean cosineSchedule;

    private Builder() {}

    public Builder loss(Loss l) {
      this.loss = java.util.Objects.requireNonNull(l, "loss");
      return this;
    }

    public Builder learningRate(double lr) {
      if (!(lr > 0)) {
        throw new IllegalArgumentException("learningRate must be > 0, was " + lr);
      }
      this.learningRate = lr;
      return this;
    }

    /** The contrastive loss's temperature: cosine similarities are divided by it (0.07). */
    public Builder temperature(double t) {
      if (!(t > 0 && t <= 10)) {
        throw new IllegalArgumentException("temperature must be in (0, 10], was " + t);
      }
      this.temperature = t;
      return this;
    }

    /**
     * Weight of the relational term added to the loss (default 0, none): for each passage, the
     * divergence of the student's softmax over its similarities to the batch's other passages
     * from the teacher's, at {@link #relationalTemperature}.
     */
    public Builder relationalWeight(double w) {
      if (!(w >= 0 && w <= 100)) {
        throw new IllegalArgumentException("relationalWeight must be in [0, 100], was " + w);
      }
      this.relationalWeight = w;
      return this;
    }

    /**
     * True: the learning rate decays from {@link #learningRate} to 0 over the {@link #maxEpochs}
     * epochs' steps along half a cosine, {@code lr (1 + cos(pi step / steps)) / 2}; false (the
     * default, tokenlearn's): it stays constant.
     */
    public Builder cosineSchedule(boolean on) {
      this.cosineSchedule = on;
      return this;
    }

    /** The relational term's temperature (default: {@link #temperature}'s). */
    public Builder relationalTemperature(double t) {
      if (!(t > 0 && t <= 10)) {
        throw new IllegalArgumentException("relationalTemperature must be in (0, 10], was " + t);
      }
      this.relationalTemperature = t;
      return this;
    }

    public Builder batchSize(int n) {
      if (n < 2) {
        throw new IllegalArgumentException("batchSize must be >= 2, was " + n);
      }
      this.batchSize = n;
      return this;
    }

    public Builder maxEpochs(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxEpochs must be >= 1, was " + n);
      }
      this.maxEpochs = n;
      return this;
    }

    /** Epochs without a lower validation loss before stopping. */
    public Builder patience(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("patience must be >= 1, was " + n);
      }
      this.patience = n;
      return this;
    }

    /** Share of the passages kept for validation (at most 10,000 of them). */
    public Builder validation(double share) {
      if (!(share > 0 && share < 1)) {
        throw new IllegalArgumentException("validation must be in (0, 1), was " + share);
      }
      this.validation = share;
      return this;
    }

    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** Whether one weight per token is trained along with the rows (tokenlearn does). */
    public Builder trainWeights(boolean b) {
      this.trainWeights = b;
      return this;
    }

    /**
     * Whether a linear head between the pooled vector and the target is trained (tokenlearn
     * does; dropped afterwards). Without it the rows are trained to meet the PCA'd targets
     * directly.
     */
    public Builder trainHead(boolean b) {
      this.trainHead = b;
      return this;
    }

    /** SIF coefficient of the post-processing; null: none. */
    public Builder sifCoefficient(Double c) {
      if (c != null && !(c > 0)) {
        throw new IllegalArgumentException("sifCoefficient must be > 0, was " + c);
      }
      this.sif = c;
      return this;
    }

    /**
     * Whether the trained table is centred (its mean row subtracted) before SIF weighting.
     * tokenlearn's original post-processing (the potion models') runs a PCA of the trained table
     * to the model's width; at the same width that is this centring plus a rotation, and a
     * rotation changes no cosine. Removing the component every row shares makes passages differ
     * in what they say rather than in that they are text.
     */
    public Builder centerTable(boolean b) {
      this.center = b;
      return this;
    }

    /**
     * Whether the trained head is folded into the table ({@link BagModel#foldedTable}) instead
     * of dropped: the texts' vectors are then the head's outputs, which the loss compared with the
     * targets, rather than the pooled rows before it.
     */
    public Builder foldHead(boolean b) {
      this.foldHead = b;
      return this;
    }

    /**
     * Threads a batch's loss and gradient are computed on; the trained table is the same for
     * any number (each thread writes its own slots, every sum keeps its order).
     */
    public Builder threads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("threads must be >= 1, was " + n);
      }
      this.threads = n;
      return this;
    }

    public Builder progress(PrintStream out) {
      this.progress = out;
      return this;
    }

    public Trainer build() {
      return new Trainer(this);
    }
  }

  /** The trained table and what training did. */
  public static final class Result {
    public final float[][] table;
    public final int epochs;
    public final int bestEpoch;
    public final double initialValidationLoss;
    public final double bestValidationLoss;
    public final double[] validationLosses;
    public final double explainedVariance;
    /** Before post-processing: the rows {@code w[t] e[t]}, and with the head folded in (or null). */
    float[][] rows;
    float[][] folded;
    /** The training passages (the split), whose token counts SIF uses. */
    int[] train;

    Result(float[][] table, int epochs, int bestEpoch, double initial, double best,
        double[] losses, double explained) {
      this.table = table;
      this.epochs = epochs;
      this.bestEpoch = bestEpoch;
      this.initialValidationLoss = initial;
      this.bestValidationLoss = best;
      this.validationLosses = losses;
      this.explainedVariance = explained;
    }

    /**
     * The model in the model2vec layout: {@code tokenizerJson} (the start model's) and a config
     * that says what was done.
     */
    public Distiller.Result model(String tokenizerJson, String tokenizerName, Double sif) {
      ObjectNode config = JSON.createObjectNode();
      config.put("model_type", "model2vec");
      config.putArray("architectures").add("StaticModel");
      config.put("tokenizer_name", tokenizerName);
      config.put("apply_pca", table[0].length);
      if (sif == null) {
        config.putNull("sif_coefficient");
      } else {
        config.put("sif_coefficient", sif);
      }
      config.put("hidden_dim", table[0].length);
      config.put("seq_length", 1_000_000);
      config.put("normalize", true);
      config.put("pooling", "mean");
      config.put("training", "tokenlearn");
      return new Distiller.Result(table, tokenizerJson, config);
    }
  }

  /**
   * Trains {@code start} (one row per token id) on passages {@code ids} (token ids as the static
   * model tokenizes them) and their teacher targets.
   */
  public Result train(float[][] start, int[][] ids, float[][] targets) {
    int n = ids.length;
    if (n != targets.length) {
      throw new IllegalArgumentException(n + " passages but " + targets.length + " targets");
    }
    int dims = start[0].length;
    int nVal = Math.min(MAX_VALIDATION, (int) Math.round(n * validation));
    if (nVal < 1 || n - nVal < 2) {
      throw new IllegalArgumentException("need at least 2 training and 1 validation passages, "
          + "have " + n + " passages with validation " + validation);
    }
    for (int k = 0; k < n; k++) {
      for (int t : ids[k]) {
        if (t < 0 || t >= start.length) {
          throw new IllegalArgumentException("passage " + k + " has token id " + t
              + ", outside the table's " + start.length + " rows");
        }
      }
    }
    // 1. PCA of the targets to the model's dimensions; at the targets' own width too, where it
    // only centres and rotates them: uncentred targets share one large common direction, which
    // leaves the contrastive loss little to tell passages apart by (as tokenlearn, which always
    // fits its PCA).
    float[][] y = targets;
    double explained = 1;
    int tdims = targets[0].length;
    if (tdims >= dims) {
      if (n < dims) {
        throw new IllegalArgumentException("PCA of the " + tdims + "-dim targets to the model's "
            + dims + " dimensions needs at least " + dims + " passages, have " + n);
      }
      Pca p = Pca.fit(targets, dims);
      y = p.transform(targets);
      double total = totalVariance(targets);
      double kept = 0;
      for (double v : p.explainedVariance) {
        kept += v;
      }
      explained = total > 0 ? kept / total : 1;
      if (tdims == dims) {
        log("targets: centred and rotated by PCA at their own %d dimensions", dims);
      } else {
        log("targets: PCA %d -> %d dimensions keeps %.1f%% of their variance", tdims, dims,
            100 * explained);
      }
    }
    // 2. seeded split
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random rnd = new Random(seed);
    shuffle(order, rnd);
    int[] val = Arrays.copyOfRange(order, 0, nVal);
    int[] train = Arrays.copyOfRange(order, nVal, n);

    BagModel m = new BagModel(start, y[0].length, trainWeights, trainHead);
    try (Parallel parallel = new Parallel(threads)) {
      m.parallel = parallel;
      m.temperature = temperature;
      m.relationalWeight = relationalWeight;
      m.relationalTemperature = relationalTemperature;
      return train(m, ids, y, train, val, rnd, explained);
    }
  }

  private Result train(BagModel m, int[][] ids, float[][] y, int[] train, int[] val, Random rnd,
      double explained) {
    BagModel.Loss l = BagModel.Loss.valueOf(loss.name());
    Adam adam = new Adam(m, learningRate);
    BagModel.Grad g = new BagModel.Grad(m);
    double initial = validationLoss(m, ids, y, val, l);
    log("validation loss at the start: %.5f (%s, %d training / %d validation passages)",
        initial, loss.name().toLowerCase(Locale.ROOT)
            + (relationalWeight > 0 ? " + " + relationalWeight + " x relational at temperature "
                + relationalTemperature : ""),
        train.length, val.length);
    if (cosineSchedule) {
      log("learning rate %s, to 0 along half a cosine over %d epochs", learningRate, maxEpochs);
    }
    double best = initial;
    int bestEpoch = 0;
    Snapshot bestState = new Snapshot(m);
    double[] losses = new double[maxEpochs];
    int epoch = 0;
    int since = 0;
    long stepsPerEpoch = (train.length - 1 + batchSize - 1) / batchSize;
    long totalSteps = stepsPerEpoch * maxEpochs;
    long step = 0;
    while (epoch < maxEpochs && since < patience) {
      long t0 = System.nanoTime();
      shuffle(train, rnd);
      double sum = 0;
      int steps = 0;
      for (int from = 0; from + 1 < train.length; from += batchSize) {
        int[] rows = Arrays.copyOfRange(train, from, Math.min(train.length, from + batchSize));
        g.clear(m.dims);
        sum += m.loss(ids, y, rows, l, g);
        if (cosineSchedule) {
          adam.rate(cosineRate(learningRate, step, totalSteps));
        }
        adam.step(g);
        step++;
        steps++;
      }
      double v = validationLoss(m, ids, y, val, l);
      losses[epoch] = v;
      epoch++;
      if (v < best - 1e-6) {
        best = v;
        bestEpoch = epoch;
        bestState = new Snapshot(m);
        since = 0;
      } else {
        since++;
      }
      log("epoch %d: training loss %.5f, validation loss %.5f%s (%.1f s)", epoch, sum / steps, v,
          bestEpoch == epoch ? " (best)" : "", (System.nanoTime() - t0) / 1e9);
    }
    bestState.restore(m);
    float[][] rows = m.table();
    float[][] folded = trainHead ? m.foldedTable() : null;
    float[][] table = foldHead && trainHead ? copy(folded) : copy(rows);
    if (center) {
      center(table);
    }
    if (sif != null) {
      applySif(table, ids, train, sif);
    }
    Result res = new Result(table, epoch, bestEpoch, initial, best, Arrays.copyOf(losses, epoch),
        explained);
    res.rows = rows;
    res.folded = folded;
    res.train = train;
    return res;
  }

  private static float[][] copy(float[][] x) {
    float[][] c = new float[x.length][];
    for (int i = 0; i < x.length; i++) {
      c[i] = x[i].clone();
    }
    return c;
  }

  /** Subtracts the mean row (over the whole vocabulary, unweighted, as a PCA of the table does). */
  static void center(float[][] table) {
    double[] mean = new double[table[0].length];
    for (float[] row : table) {
      for (int j = 0; j < row.length; j++) {
        mean[j] += row[j];
      }
    }
    for (float[] row : table) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) (row[j] - mean[j] / table.length);
      }
    }
  }

  /** Row t times c / (c + p_t), p_t the share of token t among the training passages' tokens. */
  static void applySif(float[][] table, int[][] ids, int[] passages, double c) {
    long[] counts = new long[table.length];
    long total = 0;
    for (int k : passages) {
      for (int t : ids[k]) {
        counts[t]++;
        total++;
      }
    }
    if (total == 0) {
      return;
    }
    for (int t = 0; t < table.length; t++) {
      double p = (double) counts[t] / total;
      double w = c / (c + p);
      float[] row = table[t];
      for (int j = 0; j < row.length; j++) {
        row[j] = (float) (row[j] * w);
      }
    }
  }

  private double validationLoss(BagModel m, int[][] ids, float[][] y, int[] val,
      BagModel.Loss l) {
    // In batches of the training size: the contrastive loss depends on the batch.
    double sum = 0;
    int batches = 0;
    for (int from = 0; from < val.length; from += batchSize) {
      int[] rows = Arrays.copyOfRange(val, from, Math.min(val.length, from + batchSize));
      if (rows.length < 2 && batches > 0) {
        break;
      }
      sum += m.loss(ids, y, rows, l, null);
      batches++;
    }
    return sum / batches;
  }

  private static double totalVariance(float[][] x) {
    int d = x[0].length;
    double[] mean = new double[d];
    for (float[] r : x) {
      for (int j = 0; j < d; j++) {
        mean[j] += r[j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= x.length;
    }
    double s = 0;
    for (float[] r : x) {
      for (int j = 0; j < d; j++) {
        double e = r[j] - mean[j];
        s += e * e;
      }
    }
    return s / (x.length - 1);
  }

  private static void shuffle(int[] a, Random rnd) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private void log(String fmt, Object... args) {
    if (progress != null) {
      progress.printf("train: " + fmt + "%n", args);
      progress.flush();
    }
  }

  /** A copy of the trainable state, for keeping the best epoch. */
  private static final class Snapshot {
    final double[] emb;
    final double[] weight;
    final double[] head;
    final double[] bias;

    Snapshot(BagModel m) {
      emb = m.emb.clone();
      weight = m.weight.clone();
      head = m.head.clone();
      bias = m.bias.clone();
    }

    void restore(BagModel m) {
      System.arraycopy(emb, 0, m.emb, 0, emb.length);
      System.arraycopy(weight, 0, m.weight, 0, weight.length);
      System.arraycopy(head, 0, m.head, 0, head.length);
      System.arraycopy(bias, 0, m.bias, 0, bias.length);
    }
  }

  /** The learning rate of step {@code step} of {@code total} on the cosine schedule. */
  static double cosineRate(double lr, long step, long total) {
    return lr * 0.5 * (1 + Math.cos(Math.PI * step / total));
  }

  /**
   * Adam (beta 0.9 / 0.999, eps 1e-8). Rows and weights are updated lazily, only for the tokens
   * of the batch (as PyTorch's SparseAdam): a step costs the batch's tokens, not the vocabulary.
   */
  static final class Adam {
    static final double B1 = 0.9;
    static final double B2 = 0.999;
    static final double EPS = 1e-8;
    private final BagModel m;
    private double lr;
    private final double[] mEmb;
    private final double[] vEmb;
    private final double[] mW;
    private final double[] vW;
    private final double[] mHead;
    private final double[] vHead;
    private final double[] mBias;
    private final double[] vBias;
    private int step;

    Adam(BagModel m, double lr) {
      this.m = m;
      this.lr = lr;
      mEmb = new double[m.emb.length];
      vEmb = new double[m.emb.length];
      mW = new double[m.weight.length];
      vW = new double[m.weight.length];
      mHead = new double[m.head.length];
      vHead = new double[m.head.length];
      mBias = new double[m.bias.length];
      vBias = new double[m.bias.length];
    }

    /** The learning rate of the next steps. */
    void rate(double r) {
      this.lr = r;
    }

    void step(BagModel.Grad g) {
      step++;
      double c1 = 1 - Math.pow(B1, step);
      double c2 = 1 - Math.pow(B2, step);
      int d = m.dims;
      for (int k = 0; k < g.nTouched; k++) {
        int t = g.touched[k];
        update(m.emb, g.emb, mEmb, vEmb, t * d, (t + 1) * d, c1, c2);
        if (m.trainWeights) {
          update(m.weight, g.weight, mW, vW, t, t + 1, c1, c2);
        }
      }
      if (m.trainHead) {
        update(m.head, g.head, mHead, vHead, 0, m.head.length, c1, c2);
        update(m.bias, g.bias, mBias, vBias, 0, m.bias.length, c1, c2);
      }
    }

    private void update(double[] p, double[] grad, double[] mm, double[] vv, int from, int to,
        double c1, double c2) {
      for (int i = from; i < to; i++) {
        double gi = grad[i];
        mm[i] = B1 * mm[i] + (1 - B1) * gi;
        vv[i] = B2 * vv[i] + (1 - B2) * gi * gi;
        p[i] -= lr * (mm[i] / c1) / (Math.sqrt(vv[i] / c2) + EPS);
      }
    }
  }
}
