package io.model2vec.pipeline.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Accuracy and precision / recall / F1 per class and their macro averages on the held-out
 * split, as sklearn's {@code classification_report} computes them (zero_division=0); for
 * multilabel heads every class above 0.5 is predicted, and accuracy is the exact-set match.
 */
public final class Report {
  /** One class's scores. */
  public static final class ClassScores {
    public final String label;
    public final double precision;
    public final double recall;
    public final double f1;
    public final int support;

    ClassScores(String label, double precision, double recall, double f1, int support) {
      this.label = label;
      this.precision = precision;
      this.recall = recall;
      this.f1 = f1;
      this.support = support;
    }
  }

  private final List<ClassScores> classes;
  private final double accuracy;
  private final int examples;

  private Report(List<ClassScores> classes, double accuracy, int examples) {
    this.classes = List.copyOf(classes);
    this.accuracy = accuracy;
    this.examples = examples;
  }

  static Report of(Net net, float[][] x, float[][] targets, int[] rows, List<Object> labels,
      boolean multilabel) {
    float[][] p = net.predict(x, rows);
    return of(p, targets, rows, labels, multilabel);
  }

  /** Scores of probabilities {@code p} (one row per entry of {@code rows}). */
  static Report of(float[][] p, float[][] targets, int[] rows, List<?> labels,
      boolean multilabel) {
    int k = labels.size();
    long[] tp = new long[k];
    long[] fp = new long[k];
    long[] fn = new long[k];
    int correct = 0;
    for (int r = 0; r < rows.length; r++) {
      float[] t = targets[rows[r]];
      boolean[] pred = new boolean[k];
      if (multilabel) {
        for (int c = 0; c < k; c++) {
          pred[c] = p[r][c] > 0.5f;
        }
      } else {
        int arg = 0;
        for (int c = 1; c < k; c++) {
          if (p[r][c] > p[r][arg]) {
            arg = c;
          }
        }
        pred[arg] = true;
      }
      boolean all = true;
      for (int c = 0; c < k; c++) {
        boolean truth = t[c] > 0.5f;
        if (pred[c] && truth) {
          tp[c]++;
        } else if (pred[c]) {
          fp[c]++;
        } else if (truth) {
          fn[c]++;
        }
        all &= pred[c] == truth;
      }
      if (all) {
        correct++;
      }
    }
    List<ClassScores> scores = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      double prec = tp[c] + fp[c] == 0 ? 0 : (double) tp[c] / (tp[c] + fp[c]);
      double rec = tp[c] + fn[c] == 0 ? 0 : (double) tp[c] / (tp[c] + fn[c]);
      double f1 = prec + rec == 0 ? 0 : 2 * prec * rec / (prec + rec);
      scores.add(new ClassScores(String.valueOf(labels.get(c)), prec, rec, f1,
          (int) (tp[c] + fn[c])));
    }
    return new Report(scores, rows.length == 0 ? 0 : (double) correct / rows.length,
        rows.length);
  }

  /**
   * Scores of a single-label confusion matrix: {@code counts[truth][predicted]} over
   * {@code labels} (e.g. counted by a distributed job).
   */
  public static Report fromConfusion(long[][] counts, List<?> labels) {
    int k = labels.size();
    if (counts.length != k) {
      throw new IllegalArgumentException("counts must be " + k + " x " + k + " for " + k
          + " labels, had " + counts.length + " rows");
    }
    List<ClassScores> scores = new ArrayList<>();
    long total = 0;
    long correct = 0;
    for (int c = 0; c < k; c++) {
      long tp = counts[c][c];
      long predicted = 0;
      long actual = 0;
      for (int o = 0; o < k; o++) {
        predicted += counts[o][c];
        actual += counts[c][o];
      }
      total += actual;
      correct += tp;
      double prec = predicted == 0 ? 0 : (double) tp / predicted;
      double rec = actual == 0 ? 0 : (double) tp / actual;
      double f1 = prec + rec == 0 ? 0 : 2 * prec * rec / (prec + rec);
      scores.add(new ClassScores(String.valueOf(labels.get(c)), prec, rec, f1, (int) actual));
    }
    return new Report(scores, total == 0 ? 0 : (double) correct / total, (int) total);
  }

  public List<ClassScores> classes() {
    return classes;
  }

  /** Share of held-out examples predicted exactly right. */
  public double accuracy() {
    return accuracy;
  }

  public int examples() {
    return examples;
  }

  public double macroF1() {
    return classes.stream().mapToDouble(c -> c.f1).average().orElse(0);
  }

  public double macroPrecision() {
    return classes.stream().mapToDouble(c -> c.precision).average().orElse(0);
  }

  public double macroRecall() {
    return classes.stream().mapToDouble(c -> c.recall).average().orElse(0);
  }

  /** A table like sklearn's classification_report. */
  @Override
  public String toString() {
    int w = Math.max(12, classes.stream().mapToInt(c -> c.label.length()).max().orElse(0) + 2);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%" + w + "s %9s %9s %9s %9s%n", "", "precision",
        "recall", "f1-score", "support"));
    for (ClassScores c : classes) {
      sb.append(String.format(Locale.ROOT, "%" + w + "s %9.4f %9.4f %9.4f %9d%n", c.label,
          c.precision, c.recall, c.f1, c.support));
    }
    sb.append(String.format(Locale.ROOT, "%" + w + "s %9.4f %9.4f %9.4f %9d%n", "macro avg",
        macroPrecision(), macroRecall(), macroF1(), examples));
    sb.append(String.format(Locale.ROOT, "%" + w + "s %29.4f %9d%n", "accuracy", accuracy,
        examples));
    return sb.toString();
  }
}
