package io.model2vec.pipeline.train;

import io.model2vec.pipeline.LogisticRegressionFit;
import io.model2vec.pipeline.MlpClassifierFit;
import io.model2vec.pipeline.SkopsWriter;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Trains a classifier head on a static model's embeddings, as scikit-learn's
 * {@code MLPClassifier(solver="adam")} does (Glorot-uniform init, minibatches, L2 penalty
 * {@code alpha}, Adam), with model2vec's trainer's early stopping: a held-out split (stratified
 * for single-label data), the validation loss checked after every epoch, the best epoch's weights
 * kept, stop after {@code patience} epochs without an improvement. Outputs: a softmax over the
 * classes, or for multilabel data one logistic output per class (trained on the summed binary
 * log loss). With no hidden layer and single-label data the head is saved as a
 * {@code LogisticRegression} (multinomial; for two classes the difference of the two rows), C =
 * 1 / alpha.
 *
 * <p>Deterministic: one seed draws the split, the initial weights and every epoch's order; a
 * batch is cut into fixed chunks whose sums are added in order whatever the threads, so a seed
 * gives the same bytes.
 *
 * <pre>{@code
 * ClassifierTrainer.Result r = ClassifierTrainer.builder().hidden(512).seed(42).build()
 *     .train(embeddings, labels);
 * byte[] skops = r.skops();
 * }</pre>
 */
public final class ClassifierTrainer {
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPS = 1e-8;

  private final int[] hidden;
  private final double alpha;
  private final double learningRate;
  private final int batchSize;
  private final int maxEpochs;
  private final int patience;
  private final double validation;
  private final long seed;
  private final double minDelta;
  private final PrintStream progress;
  private final int threads;

  private ClassifierTrainer(Builder b) {
    this.hidden = b.hidden;
    this.alpha = b.alpha;
    this.learningRate = b.learningRate;
    this.batchSize = b.batchSize;
    this.maxEpochs = b.maxEpochs;
    this.patience = b.patience;
    this.validation = b.validation;
    this.seed = b.seed;
    this.minDelta = b.minDelta;
    this.progress = b.progress;
    this.threads = b.threads;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a {@link ClassifierTrainer}; every one has a default. */
  public static final class Builder {
    private int[] hidden = {512};
    private double alpha = 1e-4;
    private double learningRate = 1e-3;
    private int batchSize;
    private int maxEpochs = 200;
    private int patience = 5;
    private double validation = 0.1;
    private long seed = 42;
    private double minDelta = 1e-4;
    private PrintStream progress;
    private int threads = 1;

    private Builder() {}

    /**
     * Threads computing a batch (default 1): its chunks of 64 rows are computed apart and
     * summed in order, so the result is the same for any number of threads.
     */
    public Builder threads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("threads must be >= 1, was " + n);
      }
      this.threads = n;
      return this;
    }

    /** Hidden layer sizes (default 512); none for a linear head (logistic regression). */
    public Builder hidden(int... sizes) {
      for (int s : sizes) {
        if (s < 1) {
          throw new IllegalArgumentException("hidden layer sizes must be >= 1, was " + s);
        }
      }
      this.hidden = sizes.clone();
      return this;
    }

    /** L2 penalty, sklearn's {@code alpha} (default 1e-4). */
    public Builder alpha(double alpha) {
      if (!(alpha >= 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("alpha must be >= 0 and finite, was " + alpha);
      }
      this.alpha = alpha;
      return this;
    }

    /** Adam's learning rate (default 1e-3). */
    public Builder learningRate(double lr) {
      if (!(lr > 0) || Double.isInfinite(lr)) {
        throw new IllegalArgumentException("learning rate must be > 0 and finite, was " + lr);
      }
      this.learningRate = lr;
      return this;
    }

    /** Examples per step; 0 (default) picks model2vec's: 32 x min(max(1, n / 960), 16). */
    public Builder batchSize(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("batch size must be >= 0 (0 = automatic), was " + n);
      }
      this.batchSize = n;
      return this;
    }

    /** At most this many epochs (default 200). */
    public Builder maxEpochs(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("epochs must be >= 1, was " + n);
      }
      this.maxEpochs = n;
      return this;
    }

    /** Stop after this many epochs without a lower validation loss (default 5). */
    public Builder patience(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("patience must be >= 1, was " + n);
      }
      this.patience = n;
      return this;
    }

    /** Share of the examples held out for early stopping and the report (default 0.1). */
    public Builder validation(double share) {
      if (!(share > 0 && share < 1)) {
        throw new IllegalArgumentException("validation share must be in (0, 1), was " + share);
      }
      this.validation = share;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** One line per epoch (loss, validation loss) to this stream; none by default. */
    public Builder progress(PrintStream out) {
      this.progress = out;
      return this;
    }

    public ClassifierTrainer build() {
      return new ClassifierTrainer(this);
    }
  }

  /** A trained head, its report on the held-out split and its {@code pipeline.skops}. */
  public static final class Result {
    private final MlpClassifierFit mlp;
    private final LogisticRegressionFit logistic;
    private final Report report;
    private final int bestEpoch;
    private final int epochs;
    private final double bestValidationLoss;
    private final int[] validationRows;

    Result(MlpClassifierFit mlp, LogisticRegressionFit logistic, Report report, int bestEpoch,
        int epochs, double bestValidationLoss, int[] validationRows) {
      this.mlp = mlp;
      this.logistic = logistic;
      this.report = report;
      this.bestEpoch = bestEpoch;
      this.epochs = epochs;
      this.bestValidationLoss = bestValidationLoss;
      this.validationRows = validationRows;
    }

    /** The MLP head; null for a logistic regression. */
    public MlpClassifierFit mlp() {
      return mlp;
    }

    /** The logistic-regression head (no hidden layer, single-label); else null. */
    public LogisticRegressionFit logistic() {
      return logistic;
    }

    /** Probabilities of one embedding, from the saved head. */
    public double[] predictProba(float[] x) {
      return mlp != null ? mlp.predictProba(x) : logistic.predictProba(x);
    }

    public List<Object> classes() {
      return mlp != null ? mlp.classes() : logistic.classes();
    }

    public Report report() {
      return report;
    }

    public int bestEpoch() {
      return bestEpoch;
    }

    public int epochs() {
      return epochs;
    }

    public double bestValidationLoss() {
      return bestValidationLoss;
    }

    /** Indices (into the training input) of the held-out examples, ascending. */
    public int[] validationRows() {
      return validationRows.clone();
    }

    /**
     * The report of the saved head on other labelled embeddings (a test set): {@code labels}
     * one per row as in training (a collection per row for a multilabel head); a label the head
     * does not know counts as a miss.
     */
    public Report report(float[][] x, List<?> labels) {
      Objects.requireNonNull(x, "x must not be null");
      if (x.length != labels.size()) {
        throw new IllegalArgumentException("x has " + x.length + " rows but there are "
            + labels.size() + " labels");
      }
      List<Object> classes = classes();
      boolean ml = mlp != null && mlp.multilabel();
      Map<Object, Integer> index = indexOf(classes);
      float[][] targets = new float[x.length][classes.size()];
      float[][] p = new float[x.length][];
      int[] rows = new int[x.length];
      for (int i = 0; i < x.length; i++) {
        rows[i] = i;
        Object l = labels.get(i);
        for (Object o : ml ? (Collection<?>) l : List.of(l)) {
          Integer c = o.getClass() == classes.get(0).getClass() ? index.get(o) : null;
          if (c != null) {
            targets[i][c] = 1;
          }
        }
        double[] q = predictProba(x[i]);
        p[i] = new float[q.length];
        for (int c = 0; c < q.length; c++) {
          p[i][c] = (float) q[c];
        }
      }
      return Report.of(p, targets, rows, classes, ml);
    }

    /** The bytes of {@code pipeline.skops}. */
    public byte[] skops() {
      return mlp != null ? SkopsWriter.write(mlp) : SkopsWriter.write(logistic);
    }
  }

  /** Trains on single-label data: one label (String or Long) per row of {@code x}. */
  public Result train(float[][] x, List<?> labels) {
    Objects.requireNonNull(labels, "labels must not be null");
    check(x, labels.size());
    List<Object> classes = sortedClasses(labels);
    Map<Object, Integer> index = indexOf(classes);
    int[] y = new int[labels.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = index.get(labels.get(i));
    }
    float[][] targets = new float[x.length][];
    for (int i = 0; i < x.length; i++) {
      targets[i] = new float[classes.size()];
      targets[i][y[i]] = 1;
    }
    return fit(x, targets, y, classes, false);
  }

  /** Trains on multilabel data: a set of labels (String or Long; may be empty) per row. */
  public Result trainMultilabel(float[][] x, List<? extends Collection<?>> labels) {
    Objects.requireNonNull(labels, "labels must not be null");
    check(x, labels.size());
    List<Object> all = new ArrayList<>();
    for (Collection<?> set : labels) {
      all.addAll(Objects.requireNonNull(set, "a row's label set must not be null"));
    }
    List<Object> classes = sortedClasses(all);
    Map<Object, Integer> index = indexOf(classes);
    float[][] targets = new float[x.length][classes.size()];
    for (int i = 0; i < x.length; i++) {
      for (Object l : labels.get(i)) {
        targets[i][index.get(l)] = 1;
      }
    }
    return fit(x, targets, null, classes, true);
  }

  private static void check(float[][] x, int labels) {
    Objects.requireNonNull(x, "x must not be null");
    if (x.length != labels) {
      throw new IllegalArgumentException("x has " + x.length + " rows but there are " + labels
          + " labels");
    }
    if (x.length < 2) {
      throw new IllegalArgumentException("training needs at least 2 examples, had " + x.length);
    }
    for (float[] r : x) {
      if (r == null || r.length != x[0].length || r.length == 0) {
        throw new IllegalArgumentException("x must be a non-empty rectangle without null rows");
      }
    }
  }

  private static List<Object> sortedClasses(Collection<?> labels) {
    Class<?> type = null;
    TreeMap<Object, Boolean> set = new TreeMap<>(MlpClassifierFit::compare);
    for (Object l : labels) {
      Objects.requireNonNull(l, "labels must not be null");
      if (!(l instanceof String) && !(l instanceof Long)) {
        throw new IllegalArgumentException("labels must be String or Long, was " + l.getClass());
      }
      if (type != null && l.getClass() != type) {
        throw new IllegalArgumentException("labels must all be strings or all integers, had "
            + type.getSimpleName() + " and " + l.getClass().getSimpleName() + " ('" + l + "')");
      }
      type = l.getClass();
      set.put(l, Boolean.TRUE);
    }
    if (set.size() < 2) {
      throw new IllegalArgumentException("training needs at least 2 classes, had " + set.size()
          + " " + set.keySet());
    }
    return new ArrayList<>(set.keySet());
  }

  private static Map<Object, Integer> indexOf(List<Object> classes) {
    Map<Object, Integer> m = new TreeMap<>(MlpClassifierFit::compare);
    for (int i = 0; i < classes.size(); i++) {
      m.put(classes.get(i), i);
    }
    return m;
  }

  /** Held-out rows: per class (single-label) a share of each class's rows, else a share of all. */
  private int[] split(int n, int[] y, int k, SplittableRandom rnd) {
    boolean[] held = new boolean[n];
    if (y != null) {
      List<List<Integer>> byClass = new ArrayList<>();
      for (int c = 0; c < k; c++) {
        byClass.add(new ArrayList<>());
      }
      for (int i = 0; i < n; i++) {
        byClass.get(y[i]).add(i);
      }
      for (List<Integer> rows : byClass) {
        int[] r = rows.stream().mapToInt(Integer::intValue).toArray();
        shuffle(r, rnd);
        // a class of one example stays in training: it cannot be both learnt and checked
        int take = r.length < 2 ? 0 : Math.max(1, (int) Math.round(validation * r.length));
        for (int j = 0; j < take && j < r.length - 1; j++) {
          held[r[j]] = true;
        }
      }
    } else {
      int[] r = new int[n];
      for (int i = 0; i < n; i++) {
        r[i] = i;
      }
      shuffle(r, rnd);
      int take = Math.max(1, (int) Math.round(validation * n));
      for (int j = 0; j < take && j < n - 1; j++) {
        held[r[j]] = true;
      }
    }
    return java.util.stream.IntStream.range(0, n).filter(i -> held[i]).toArray();
  }

  private static void shuffle(int[] a, SplittableRandom rnd) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  private Result fit(float[][] x, float[][] targets, int[] y, List<Object> classes,
      boolean multilabel) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int n = x.length;
    int d = x[0].length;
    int k = classes.size();
    int[] valRows = split(n, y, k, rnd);
    boolean[] isVal = new boolean[n];
    for (int v : valRows) {
      isVal[v] = true;
    }
    int[] trainRows = java.util.stream.IntStream.range(0, n).filter(i -> !isVal[i]).toArray();
    int batch = batchSize > 0 ? Math.min(batchSize, trainRows.length)
        : 32 * Math.min(Math.max(1, trainRows.length / 30 / 32), 16);
    batch = Math.min(batch, trainRows.length);

    Net net = new Net(d, hidden, k, multilabel, rnd);
    Net best = net.copy();
    double bestVal = net.loss(x, targets, valRows);
    int bestEpoch = 0;
    double[] curve = new double[maxEpochs];
    int epoch = 0;
    int noImprovement = 0;
    long seen = 0;
    Net.Work[] works = new Net.Work[(batch + Net.CHUNK - 1) / Net.CHUNK];
    for (int c = 0; c < works.length; c++) {
      works[c] = net.work(Net.CHUNK);
    }
    ExecutorService pool = threads > 1 && works.length > 1
        ? Executors.newFixedThreadPool(Math.min(threads, works.length), r -> {
          Thread t = new Thread(r, "model2vec-train");
          t.setDaemon(true);
          return t;
        })
        : null;
    try {
      while (epoch < maxEpochs) {
        shuffle(trainRows, rnd);
        double acc = 0;
        for (int s = 0; s < trainRows.length; s += batch) {
          int m = Math.min(batch, trainRows.length - s);
          acc += net.step(x, targets, trainRows, s, m, alpha, learningRate, works, pool) * m;
        }
        seen += trainRows.length;
        curve[epoch++] = acc / trainRows.length;
        double val = net.loss(x, targets, valRows);
        if (val < bestVal - minDelta) {
          bestVal = val;
          best = net.copy();
          bestEpoch = epoch;
          noImprovement = 0;
        } else {
          noImprovement++;
        }
        if (progress != null) {
          progress.printf("epoch %d: loss %.5f, validation loss %.5f%s%n", epoch,
              curve[epoch - 1], val, bestEpoch == epoch ? " (best)" : "");
        }
        if (noImprovement >= patience) {
          break;
        }
      }
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
    double[] lossCurve = Arrays.copyOf(curve, epoch);
    Report report = Report.of(best, x, targets, valRows, classes, multilabel);
    if (hidden.length == 0 && !multilabel) {
      LogisticRegressionFit lr = best.toLogistic(classes)
          // sklearn's C weighs the summed loss against 0.5 ||w||^2; this loop's penalty is
          // 0.5 alpha ||w||^2 per batch of the mean loss, so over the data C = batch / (alpha n)
          .record(alpha > 0 ? batch / (alpha * trainRows.length) : 1e300, maxEpochs, epoch);
      return new Result(null, lr, report, bestEpoch, epoch, bestVal, valRows);
    }
    MlpClassifierFit mlp = new MlpClassifierFit(classes, best.coefs(), best.intercepts(), "relu",
        multilabel)
        .hyperparameters("adam", alpha, batch, learningRate, maxEpochs,
            seed >= 0 && seed <= 0xffffffffL ? Long.valueOf(seed) : null, patience)
        .record(epoch, seen, lossCurve, noImprovement)
        .adam(net.steps, net.moments(net.mw), net.momentsB(net.mb), net.moments(net.vw),
            net.momentsB(net.vb));
    return new Result(mlp, null, report, bestEpoch, epoch, bestVal, valRows);
  }
}
