package io.model2vec.pipeline;

import io.model2vec.Model2VecException;
import io.model2vec.pipeline.SkopsSchema.SkObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Internal: not part of the API (public for {@link io.model2vec.StaticModelPipeline}, which
 * lives in another package). The scikit-learn head of a model2vec {@code StaticModelPipeline},
 * read from its {@code pipeline.skops} without evaluating anything: optional
 * {@code StandardScaler} / {@code Normalizer} steps, then an {@code MLPClassifier} (any hidden
 * layers; relu, tanh, logistic or identity; softmax or logistic outputs), an
 * {@code MLPRegressor} (model2vec's projector) or a {@code LogisticRegression} (binary, one
 * versus rest or multinomial), computed as scikit-learn's {@code predict_proba} /
 * {@code predict} do. Immutable and thread-safe.
 */
public final class PipelineHead {
  /** What the head computes, as model2vec's {@code HeadType} tells them apart. */
  public enum Kind {
    /** One class per text: the most probable of {@link #classes()}. */
    CLASSIFIER,
    /** An {@code MLPClassifier} with logistic outputs fitted on several labels per text. */
    MULTILABEL,
    /** An {@code MLPRegressor}: a vector per text. */
    PROJECTOR
  }

  private final String where;
  private final Kind kind;
  private final List<String> classes;
  private final boolean integerClasses;
  private final int inputs;
  private final List<Step> steps;
  private final List<Dense> layers;
  /** The activation of every layer but the last. */
  private final Activation hidden;
  private final Output output;
  private final String description;

  private PipelineHead(String where, Kind kind, List<String> classes, boolean integerClasses,
      int inputs, List<Step> steps, List<Dense> layers, Activation hidden, Output output,
      String description) {
    this.where = where;
    this.kind = kind;
    this.classes = classes;
    this.integerClasses = integerClasses;
    this.inputs = inputs;
    this.steps = steps;
    this.layers = layers;
    this.hidden = hidden;
    this.output = output;
    this.description = description;
  }

  /** Reads the head in the skops file {@code skops}. */
  public static PipelineHead read(Path skops) {
    try (InputStream in = Files.newInputStream(skops)) {
      return read(in, skops.toString());
    } catch (IOException e) {
      throw new Model2VecException("could not read " + skops + ": " + e, e);
    }
  }

  /** Reads the head in the skops file {@code in} (not closed); {@code where} names it in errors. */
  public static PipelineHead read(InputStream in, String where) {
    SkopsArchive archive = SkopsArchive.read(in, where);
    return build(SkopsSchema.read(archive), where);
  }

  public Kind kind() {
    return kind;
  }

  /** The classes in the order of the probabilities, as strings; empty for a projector. */
  public List<String> classes() {
    return classes;
  }

  /** Whether the classes are integers (then {@link #classes()} are their decimal strings). */
  public boolean integerClasses() {
    return integerClasses;
  }

  /** The length of the vectors the head takes (the embedding's dimension it was fitted on). */
  public int inputDimension() {
    return inputs;
  }

  /** The length of what it returns: the probabilities of every class, or the projection. */
  public int outputDimension() {
    return kind == Kind.PROJECTOR ? layers.get(layers.size() - 1).outputs : classes.size();
  }

  /** The steps and sizes, for logs, e.g. {@code StandardScaler > MLPClassifier 256-512-3 relu/softmax}. */
  public String description() {
    return description;
  }

  /** The file it was read from, as given. */
  public String source() {
    return where;
  }

  /**
   * The head on {@code inputs[0 .. count)}: class probabilities (in the order of {@link
   * #classes()}) or projections into {@code outputs[t]} (of {@link #outputDimension()} values).
   * The inputs are left unchanged.
   */
  public void apply(float[][] in, int count, float[][] out) {
    if (count < 0 || count > in.length || count > out.length) {
      throw new IllegalArgumentException("count must be within the inputs and outputs ("
          + in.length + ", " + out.length + "), was " + count);
    }
    for (int t = 0; t < count; t++) {
      if (in[t].length != inputs) {
        throw new IllegalArgumentException("input " + t + " has " + in[t].length
            + " values, the head takes " + inputs);
      }
    }
    float[][] x = new float[count][];
    for (int t = 0; t < count; t++) {
      x[t] = in[t].clone();
      for (Step s : steps) {
        s.apply(x[t]);
      }
    }
    for (int l = 0; l < layers.size(); l++) {
      Dense d = layers.get(l);
      float[][] y = new float[count][d.outputs];
      d.apply(x, count, y);
      if (l < layers.size() - 1) {
        for (int t = 0; t < count; t++) {
          hidden.apply(y[t]);
        }
      }
      x = y;
    }
    for (int t = 0; t < count; t++) {
      output.finish(x[t], out[t]);
    }
  }

  /** {@link #apply(float[][], int, float[][])} of one vector. */
  public float[] apply(float[] input) {
    float[][] out = {new float[outputDimension()]};
    apply(new float[][] {input}, 1, out);
    return out[0];
  }

  @Override
  public String toString() {
    return description + " (" + where + ")";
  }

  // ------------------------------------------------------------------ the parts

  /** A preprocessing step, in place on one vector. */
  private interface Step {
    void apply(float[] x);
  }

  private enum Activation {
    IDENTITY, RELU, TANH, LOGISTIC;

    void apply(float[] v) {
      switch (this) {
        case RELU -> {
          for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(v[i], 0f);
          }
        }
        case TANH -> {
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.tanh(v[i]);
          }
        }
        case LOGISTIC -> {
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) logistic(v[i]);
          }
        }
        default -> { }
      }
    }
  }

  /** How the last layer's values become the head's output. */
  private enum Output {
    /** A projector's values as they are. */
    IDENTITY,
    /** Multinomial: softmax over the classes. */
    SOFTMAX,
    /** One logistic output for two classes: [1 - p, p]. */
    BINARY,
    /** A multinomial LogisticRegression of two classes: softmax of [-d, d]. */
    BINARY_MULTINOMIAL,
    /** One logistic per class, as they are (multilabel). */
    LOGISTIC,
    /** One versus rest: one logistic per class, normalized to sum 1. */
    OVR;

    void finish(float[] z, float[] out) {
      switch (this) {
        case IDENTITY, LOGISTIC -> {
          for (int i = 0; i < z.length; i++) {
            out[i] = this == LOGISTIC ? (float) logistic(z[i]) : z[i];
          }
        }
        case BINARY -> {
          double p = logistic(z[0]);
          out[0] = (float) (1 - p);
          out[1] = (float) p;
        }
        case BINARY_MULTINOMIAL -> {
          double p = logistic(2.0 * z[0]); // softmax([-d, d])[1] = 1 / (1 + e^-2d)
          out[0] = (float) (1 - p);
          out[1] = (float) p;
        }
        case SOFTMAX -> {
          double max = Double.NEGATIVE_INFINITY;
          for (float v : z) {
            max = Math.max(max, v);
          }
          double sum = 0;
          double[] e = new double[z.length];
          for (int i = 0; i < z.length; i++) {
            e[i] = Math.exp(z[i] - max);
            sum += e[i];
          }
          for (int i = 0; i < z.length; i++) {
            out[i] = (float) (e[i] / sum);
          }
        }
        case OVR -> {
          double sum = 0;
          double[] p = new double[z.length];
          for (int i = 0; i < z.length; i++) {
            p[i] = logistic(z[i]);
            sum += p[i];
          }
          for (int i = 0; i < z.length; i++) {
            out[i] = (float) (p[i] / sum);
          }
        }
        default -> throw new AssertionError(this);
      }
    }
  }

  /** scipy's expit, without overflow for large |x|. */
  static double logistic(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }

  // ------------------------------------------------------------------ building

  private static PipelineHead build(Object root, String where) {
    Reader r = new Reader(where);
    List<Object> stepObjects = new ArrayList<>();
    if (root instanceof SkObject && ((SkObject) root).name.equals("Pipeline")) {
      Object steps = ((SkObject) root).attrs.get("steps");
      if (!(steps instanceof List) || ((List<?>) steps).isEmpty()) {
        throw r.fail("Pipeline has no steps");
      }
      for (Object step : (List<?>) steps) {
        if (!(step instanceof List) || ((List<?>) step).size() != 2) {
          throw r.fail("Pipeline has a step that is not a (name, estimator) pair");
        }
        Object est = ((List<?>) step).get(1);
        if (est == null || "passthrough".equals(est)) {
          continue;
        }
        stepObjects.add(est);
      }
    } else {
      stepObjects.add(root);
    }
    if (stepObjects.isEmpty()) {
      throw r.fail("Pipeline has only passthrough steps: there is no classifier or projector");
    }
    List<Step> steps = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < stepObjects.size() - 1; i++) {
      SkObject o = r.estimator(stepObjects.get(i));
      names.add(o.name);
      steps.add(switch (o.name) {
        case "StandardScaler" -> r.scaler(o);
        case "Normalizer" -> r.normalizer(o);
        default -> throw r.fail("has " + o + " as a step before the last; only StandardScaler "
            + "and Normalizer are supported there");
      });
    }
    SkObject last = r.estimator(stepObjects.get(stepObjects.size() - 1));
    return switch (last.name) {
      case "MLPClassifier", "MLPRegressor" -> r.mlp(last, steps, names);
      case "LogisticRegression" -> r.logistic(last, steps, names);
      default -> throw r.fail("has " + last + " as its last step; a classifier head ends with "
          + "MLPClassifier, MLPRegressor or LogisticRegression");
    };
  }

  /** Reads the attributes of estimators, with errors naming the file and the estimator. */
  private static final class Reader {
    final String where;

    Reader(String where) {
      this.where = where;
    }

    Model2VecException fail(String what) {
      return new Model2VecException(where + " " + what);
    }

    SkObject estimator(Object o) {
      if (!(o instanceof SkObject)) {
        throw fail("has a pipeline step that is not an estimator: " + describe(o));
      }
      return (SkObject) o;
    }

    Object attr(SkObject o, String name) {
      if (!o.attrs.containsKey(name)) {
        throw fail("has " + o.name + " without " + name + " (not fitted?)");
      }
      return o.attrs.get(name);
    }

    String string(SkObject o, String name, String fallback) {
      Object v = o.attrs.containsKey(name) ? o.attrs.get(name) : fallback;
      if (!(v instanceof String)) {
        throw fail("has " + o.name + "." + name + " = " + describe(v) + ", expected a string");
      }
      return (String) v;
    }

    boolean bool(SkObject o, String name, boolean fallback) {
      Object v = o.attrs.containsKey(name) ? o.attrs.get(name) : fallback;
      if (!(v instanceof Boolean)) {
        throw fail("has " + o.name + "." + name + " = " + describe(v) + ", expected a boolean");
      }
      return (Boolean) v;
    }

    NdArray array(SkObject o, String name, int rank) {
      Object v = attr(o, name);
      if (!(v instanceof NdArray) || ((NdArray) v).rank() != rank || !((NdArray) v).isNumeric()) {
        throw fail("has " + o.name + "." + name + " = " + describe(v) + ", expected a numeric "
            + "array of " + rank + " dimension" + (rank == 1 ? "" : "s"));
      }
      return (NdArray) v;
    }

    Step scaler(SkObject o) {
      boolean withMean = bool(o, "with_mean", true);
      boolean withStd = bool(o, "with_std", true);
      float[] mean = withMean && o.attrs.get("mean_") != null ? array(o, "mean_", 1).floats() : null;
      float[] scale = withStd && o.attrs.get("scale_") != null ? array(o, "scale_", 1).floats()
          : null;
      if (withMean && mean == null || withStd && scale == null) {
        throw fail("has a StandardScaler without mean_ / scale_ (not fitted?)");
      }
      int n = mean != null ? mean.length : scale != null ? scale.length : -1;
      if (mean != null && scale != null && mean.length != scale.length) {
        throw fail("has a StandardScaler with " + mean.length + " means and " + scale.length
            + " scales");
      }
      final int dims = n;
      return new Step() {
        @Override
        public void apply(float[] x) {
          if (dims >= 0 && x.length != dims) {
            throw new IllegalArgumentException("StandardScaler of " + where + " takes " + dims
                + " values, got " + x.length);
          }
          for (int i = 0; i < x.length; i++) {
            float v = x[i];
            if (mean != null) {
              v -= mean[i];
            }
            if (scale != null) {
              v /= scale[i];
            }
            x[i] = v;
          }
        }
      };
    }

    Step normalizer(SkObject o) {
      String norm = string(o, "norm", "l2");
      if (!norm.equals("l1") && !norm.equals("l2") && !norm.equals("max")) {
        throw fail("has a Normalizer with norm '" + norm + "'; l1, l2 and max are supported");
      }
      return x -> {
        double n = 0;
        for (float v : x) {
          n = switch (norm) {
            case "l1" -> n + Math.abs(v);
            case "l2" -> n + (double) v * v;
            default -> Math.max(n, Math.abs(v));
          };
        }
        if (norm.equals("l2")) {
          n = Math.sqrt(n);
        }
        if (n != 0) { // as sklearn: a zero row stays zero
          for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] / n);
          }
        }
      };
    }

    PipelineHead mlp(SkObject o, List<Step> steps, List<String> names) {
      boolean regressor = o.name.equals("MLPRegressor");
      Object coefs = attr(o, "coefs_");
      Object intercepts = attr(o, "intercepts_");
      if (!(coefs instanceof List) || !(intercepts instanceof List)
          || ((List<?>) coefs).isEmpty() || ((List<?>) coefs).size() != ((List<?>) intercepts).size()) {
        throw fail("has " + o.name + " whose coefs_ and intercepts_ are not lists of the same "
            + "length");
      }
      List<Dense> layers = new ArrayList<>();
      StringBuilder sizes = new StringBuilder();
      for (int l = 0; l < ((List<?>) coefs).size(); l++) {
        Object w = ((List<?>) coefs).get(l);
        Object b = ((List<?>) intercepts).get(l);
        if (!(w instanceof NdArray) || ((NdArray) w).rank() != 2 || !((NdArray) w).isNumeric()
            || !(b instanceof NdArray) || ((NdArray) b).rank() != 1 || !((NdArray) b).isNumeric()) {
          throw fail("has " + o.name + " layer " + l + " with coefs " + describe(w)
              + " and intercepts " + describe(b) + "; expected a matrix and a vector");
        }
        NdArray wa = (NdArray) w;
        NdArray ba = (NdArray) b;
        int in = wa.shape[0];
        int out = wa.shape[1];
        if (ba.shape[0] != out || (!layers.isEmpty() && layers.get(layers.size() - 1).outputs != in)) {
          throw fail("has " + o.name + " layer " + l + " of shape " + Arrays.toString(wa.shape)
              + " with " + ba.shape[0] + " intercepts after a layer of "
              + (layers.isEmpty() ? "-" : layers.get(layers.size() - 1).outputs)
              + " outputs: the layers do not chain");
        }
        layers.add(new Dense(in, out, wa.floats(), ba.floats()));
        sizes.append(l == 0 ? "" + in : "").append('-').append(out);
      }
      String act = string(o, "activation", "relu");
      Activation hidden = switch (act) {
        case "relu" -> Activation.RELU;
        case "tanh" -> Activation.TANH;
        case "logistic" -> Activation.LOGISTIC;
        case "identity" -> Activation.IDENTITY;
        default -> throw fail("has " + o.name + " with activation '" + act + "'; relu, tanh, "
            + "logistic and identity are supported");
      };
      String outAct = string(o, "out_activation_", regressor ? "identity" : null);
      int outputs = layers.get(layers.size() - 1).outputs;
      int inputs = layers.get(0).inputs;
      checkFeatures(o, inputs);
      String desc = describeSteps(names) + o.name + " " + sizes + " " + act + "/" + outAct;
      if (regressor) {
        if (!outAct.equals("identity")) {
          throw fail("has an MLPRegressor with out_activation_ '" + outAct + "', expected identity");
        }
        return new PipelineHead(where, Kind.PROJECTOR, List.of(), false, inputs,
            List.copyOf(steps), List.copyOf(layers), hidden, Output.IDENTITY, desc);
      }
      Classes classes = classes(o);
      Kind kind;
      Output output;
      switch (outAct) {
        case "softmax" -> {
          kind = Kind.CLASSIFIER;
          output = Output.SOFTMAX;
          expectOutputs(o, outputs, classes.values.size());
        }
        case "logistic" -> {
          // scikit-learn uses logistic outputs for two things only: one output for two classes,
          // one output per label of a multilabel target.
          if (outputs > 1) {
            kind = Kind.MULTILABEL;
            output = Output.LOGISTIC;
            expectOutputs(o, outputs, classes.values.size());
          } else {
            kind = Kind.CLASSIFIER;
            output = Output.BINARY;
            expectOutputs(o, outputs, 1);
            if (classes.values.size() != 2) {
              throw fail("has a binary MLPClassifier with " + classes.values.size() + " classes");
            }
          }
        }
        default -> throw fail("has an MLPClassifier with out_activation_ '" + outAct
            + "'; softmax and logistic are supported");
      }
      return new PipelineHead(where, kind, classes.values, classes.integers, inputs,
          List.copyOf(steps), List.copyOf(layers), hidden, output, desc);
    }

    PipelineHead logistic(SkObject o, List<Step> steps, List<String> names) {
      NdArray coef = array(o, "coef_", 2);
      NdArray intercept = array(o, "intercept_", 1);
      int k = coef.shape[0];
      int d = coef.shape[1];
      if (intercept.shape[0] != k) {
        throw fail("has a LogisticRegression with " + k + " rows of coef_ and "
            + intercept.shape[0] + " intercepts");
      }
      checkFeatures(o, d);
      Classes classes = classes(o);
      int n = classes.values.size();
      // sklearn's coef_ is (classes, features); the layer takes (features, classes).
      float[] w = new float[d * k];
      for (int c = 0; c < k; c++) {
        for (int i = 0; i < d; i++) {
          w[i * k + c] = (float) coef.numbers[c * d + i];
        }
      }
      // As LogisticRegression.predict_proba of scikit-learn 1.2 to 1.7: one versus rest when
      // asked for (or implied by liblinear, or two classes), else multinomial.
      String multiClass = string(o, "multi_class", "auto");
      String solver = string(o, "solver", "lbfgs");
      boolean ovr = multiClass.equals("ovr") || multiClass.equals("warn")
          || (multiClass.equals("auto") || multiClass.equals("deprecated"))
              && (n <= 2 || solver.equals("liblinear"));
      Output output;
      if (k == 1) {
        if (n != 2) {
          throw fail("has a LogisticRegression with one row of coef_ and " + n + " classes");
        }
        output = ovr ? Output.BINARY : Output.BINARY_MULTINOMIAL;
      } else {
        if (k != n) {
          throw fail("has a LogisticRegression with " + k + " rows of coef_ and " + n
              + " classes");
        }
        output = ovr ? Output.OVR : Output.SOFTMAX;
      }
      String desc = describeSteps(names) + "LogisticRegression " + d + "-" + k + " "
          + (ovr ? "ovr" : "multinomial");
      return new PipelineHead(where, Kind.CLASSIFIER, classes.values, classes.integers, d,
          List.copyOf(steps), List.of(new Dense(d, k, w, intercept.floats())), Activation.IDENTITY,
          output, desc);
    }

    private void expectOutputs(SkObject o, int outputs, int expected) {
      if (outputs != expected) {
        throw fail("has " + o.name + " with " + outputs + " outputs for " + expected
            + (expected == 1 ? " (binary)" : " classes"));
      }
    }

    private void checkFeatures(SkObject o, int inputs) {
      Object n = o.attrs.get("n_features_in_");
      if (n instanceof Long && (Long) n != inputs) {
        throw fail("has " + o.name + " with n_features_in_ " + n + " but weights for "
            + inputs + " inputs");
      }
    }

    private Classes classes(SkObject o) {
      Object v = attr(o, "classes_");
      if (!(v instanceof NdArray) || ((NdArray) v).rank() != 1) {
        throw fail("has " + o.name + ".classes_ = " + describe(v) + ", expected a vector");
      }
      NdArray a = (NdArray) v;
      List<String> out = new ArrayList<>(a.size());
      boolean integers = a.longs != null;
      if (a.strings != null) {
        out.addAll(Arrays.asList(a.strings));
      } else if (a.longs != null) {
        for (long l : a.longs) {
          out.add(Long.toString(l));
        }
      } else if (a.dtype.contains("b")) {
        for (double d : a.numbers) {
          out.add(d != 0 ? "True" : "False");
        }
      } else {
        for (double d : a.numbers) {
          out.add(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d)
              : Double.toString(d));
        }
      }
      if (out.isEmpty()) {
        throw fail("has " + o.name + " with no classes");
      }
      return new Classes(Collections.unmodifiableList(out), integers);
    }

    private static String describeSteps(List<String> names) {
      return names.isEmpty() ? "" : String.join(" > ", names) + " > ";
    }

    static String describe(Object v) {
      if (v == null) {
        return "None";
      }
      if (v instanceof NdArray || v instanceof SkObject) {
        return v.toString();
      }
      if (v instanceof Map) {
        return "a dict";
      }
      if (v instanceof List) {
        return "a list of " + ((List<?>) v).size();
      }
      String s = v.toString();
      return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
  }

  private static final class Classes {
    final List<String> values;
    final boolean integers;

    Classes(List<String> values, boolean integers) {
      this.values = values;
      this.integers = integers;
    }
  }
}
