package io.model2vec.flink;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model2vec classifier pipeline predicts for one text ({@link ClassificationMapFunction}):
 * the class, or the labels of a multilabel head, with the probability of every class; or a
 * projector's output vector.
 */
public final class Prediction implements Serializable {
  private static final long serialVersionUID = 1L;

  // Plain arrays, no immutable collections: Flink serializes a Prediction with Kryo.
  private String label;
  private String[] labels;
  private String[] classes;
  private float[] proba;
  private float[] output;

  /** For Kryo. */
  private Prediction() {}

  Prediction(String label, String[] labels, String[] classes, float[] proba, float[] output) {
    this.label = label;
    this.labels = labels;
    this.classes = classes;
    this.proba = proba;
    this.output = output;
  }

  /** The most probable class; {@code null} for a multilabel head or a projector. */
  public String label() {
    return label;
  }

  /** The predicted labels: every class above the threshold (multilabel) or the class alone. */
  public List<String> labels() {
    return List.of(labels);
  }

  /** Class to probability, in the order of the classes; empty for a projector. */
  public Map<String, Float> probabilities() {
    Map<String, Float> m = new LinkedHashMap<>();
    for (int i = 0; i < classes.length; i++) {
      m.put(classes[i], proba[i]);
    }
    return Collections.unmodifiableMap(m);
  }

  /** A projector's output; {@code null} for a classifier. */
  public float[] output() {
    return output == null ? null : output.clone();
  }

  @Override
  public String toString() {
    return output != null ? "Prediction" + java.util.Arrays.toString(output)
        : "Prediction{" + (label != null ? label : labels()) + ", " + probabilities() + "}";
  }

  /** The JVM's pipeline as a function: its head outputs, classes and kind, and a threshold. */
  static final class Runner {
    final java.util.function.Function<String, float[]> outputs;
    final List<String> classes;
    final String kind;
    final double threshold;

    Runner(Object[] parts, double threshold) {
      @SuppressWarnings("unchecked")
      java.util.function.Function<String, float[]> f =
          (java.util.function.Function<String, float[]>) parts[0];
      @SuppressWarnings("unchecked")
      List<String> c = (List<String>) parts[1];
      this.outputs = f;
      this.classes = c;
      this.kind = (String) parts[2];
      this.threshold = threshold;
    }

    boolean multilabel() {
      return kind.equals("MULTILABEL");
    }

    boolean projector() {
      return kind.equals("PROJECTOR");
    }

    String top(float[] proba) {
      int best = 0;
      for (int i = 1; i < proba.length; i++) {
        if (proba[i] > proba[best]) {
          best = i;
        }
      }
      return classes.get(best);
    }

    /** As model2vec: every class strictly above the threshold. */
    String[] labels(float[] proba) {
      int n = 0;
      for (float p : proba) {
        if (p > threshold) {
          n++;
        }
      }
      String[] out = new String[n];
      n = 0;
      for (int i = 0; i < proba.length; i++) {
        if (proba[i] > threshold) {
          out[n++] = classes.get(i);
        }
      }
      return out;
    }

    Map<String, Float> probabilities(float[] proba) {
      Map<String, Float> m = new LinkedHashMap<>();
      for (int i = 0; i < proba.length; i++) {
        m.put(classes.get(i), proba[i]);
      }
      return m;
    }

    Prediction predict(String text) {
      float[] y = outputs.apply(text);
      if (projector()) {
        return new Prediction(null, new String[0], new String[0], new float[0], y);
      }
      String[] c = classes.toArray(new String[0]);
      if (multilabel()) {
        return new Prediction(null, labels(y), c, y, null);
      }
      String top = top(y);
      return new Prediction(top, new String[] {top}, c, y, null);
    }
  }
}
