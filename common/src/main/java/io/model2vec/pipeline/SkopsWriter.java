package io.model2vec.pipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a scikit-learn {@code Pipeline} of one fitted head ({@link MlpClassifierFit} or
 * {@link LogisticRegressionFit}) as {@code pipeline.skops}, exactly as skops (protocol 2)
 * writes what scikit-learn 1.2.1 fits: a stored (uncompressed) zip of one {@code .npy} file per
 * array and {@code schema.json}, the object tree of {@code __class__} / {@code __module__} /
 * {@code __loader__} / {@code content} nodes with every attribute sklearn sets, in the order it
 * sets them (Python keeps a dict's insertion order, and so does the file), so that
 * {@code skops.io.load} rebuilds the estimator and model2vec's
 * {@code StaticModelPipeline.from_pretrained} runs it. The JSON is formatted as Python's
 * {@code json.dumps(state, indent=2)} formats it (ASCII only, Python's float repr).
 *
 * <p>Object ids: skops writes CPython's {@code id()} of each object, and its loader treats two
 * nodes with one id as one object. Here every node gets an id of its own, except where sklearn
 * itself shares an object: the {@code str} type of the dict keys and an MLP's {@code classes_},
 * which is its label binarizer's array.
 */
public final class SkopsWriter {
  /** skops' persistence protocol the fixtures and skops 0.10+ write. */
  static final int PROTOCOL = 2;
  /** What skops writes as its own version; the loader reads only the protocol. */
  static final String SKOPS_VERSION = "0.15.dev0";
  static final String SKLEARN_VERSION = "1.2.1";
  static final String SCHEMA = "schema.json";

  private final ByteArrayOutputStream zipBytes = new ByteArrayOutputStream();
  private final ZipOutputStream zip = new ZipOutputStream(zipBytes);
  /** Node ids as CPython's look (addresses), so that nothing tells the files apart. */
  private long nextId = 0x7fd0_0000_0000L;
  private final long strTypeId = newId();

  private SkopsWriter() {}

  /** The bytes of {@code pipeline.skops} holding a one-step Pipeline of {@code head}. */
  public static byte[] write(MlpClassifierFit head) {
    Objects.requireNonNull(head, "head must not be null");
    SkopsWriter w = new SkopsWriter();
    return w.finish(w.pipeline("mlpclassifier", w.mlp(head)));
  }

  /** The bytes of {@code pipeline.skops} holding a one-step Pipeline of {@code head}. */
  public static byte[] write(LogisticRegressionFit head) {
    Objects.requireNonNull(head, "head must not be null");
    SkopsWriter w = new SkopsWriter();
    return w.finish(w.pipeline("logisticregression", w.logistic(head)));
  }

  /** Writes {@code bytes} of {@link #write} to {@code out} (not closed). */
  public static void copy(byte[] bytes, OutputStream out) {
    try {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private long newId() {
    long id = nextId;
    nextId += 48; // CPython objects are at least this far apart
    return id;
  }

  private byte[] finish(Map<String, Object> root) {
    root.put("protocol", PROTOCOL);
    root.put("_skops_version", SKOPS_VERSION);
    StringBuilder sb = new StringBuilder();
    PyJson.dump(root, sb, 0);
    try {
      stored(SCHEMA, sb.toString().getBytes(StandardCharsets.US_ASCII));
      zip.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return zipBytes.toByteArray();
  }

  private void stored(String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED); // skops' default: ZIP_STORED
    // a fixed time (zip's earliest) instead of now: the same head gives the same bytes
    e.setTimeLocal(java.time.LocalDateTime.of(1980, 1, 1, 0, 0));
    e.setSize(data.length);
    e.setCompressedSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
  }

  // ---- the estimators ------------------------------------------------------------------------

  private Map<String, Object> pipeline(String stepName, Map<String, Object> estimator) {
    Map<String, Object> step = tuple(List.of(json(str(stepName)), estimator));
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("steps", list(List.of(step)));
    d.put("memory", json("null"));
    d.put("verbose", json("false"));
    d.put("_sklearn_version", json(str(SKLEARN_VERSION)));
    return object("Pipeline", "sklearn.pipeline", d);
  }

  private Map<String, Object> mlp(MlpClassifierFit h) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("activation", json(str(h.activation)));
    d.put("solver", json(str(h.solver)));
    d.put("alpha", json(pyFloat(h.alpha)));
    d.put("batch_size", json(h.batchSize <= 0 ? str("auto") : Integer.toString(h.batchSize)));
    d.put("learning_rate", json(str("constant")));
    d.put("learning_rate_init", json(pyFloat(h.learningRateInit)));
    d.put("power_t", json("0.5"));
    d.put("max_iter", json(Integer.toString(h.maxIter)));
    d.put("loss", json(str("log_loss")));
    List<Object> hidden = new ArrayList<>();
    for (int i = 0; i < h.coefs.length - 1; i++) {
      hidden.add(json(Integer.toString(h.coefs[i][0].length)));
    }
    d.put("hidden_layer_sizes", tuple(hidden));
    d.put("shuffle", json("true"));
    d.put("random_state", json(h.randomState == null ? "null" : Long.toString(h.randomState)));
    d.put("tol", json(pyFloat(h.tol)));
    d.put("verbose", json("false"));
    d.put("warm_start", json("false"));
    d.put("momentum", json("0.9"));
    d.put("nesterovs_momentum", json("true"));
    d.put("early_stopping", json("false"));
    d.put("validation_fraction", json("0.1"));
    d.put("beta_1", json("0.9"));
    d.put("beta_2", json("0.999"));
    d.put("epsilon", json("1e-08"));
    d.put("n_iter_no_change", json(Integer.toString(h.nIterNoChange)));
    d.put("max_fun", json("15000"));
    d.put("n_features_in_", json(Integer.toString(h.coefs[0].length)));
    Map<String, Object> classes = classes(h.classes);
    Map<String, Object> lb = new LinkedHashMap<>();
    lb.put("neg_label", json("0"));
    lb.put("pos_label", json("1"));
    lb.put("sparse_output", json("false"));
    // model2vec's to_pipeline fits the head on one sample per class, also for a multilabel
    // head, so the binarizer saw a binary or multiclass target
    lb.put("y_type_", json(str(h.classes.size() == 2 ? "binary" : "multiclass")));
    lb.put("sparse_input_", json("false"));
    lb.put("classes_", classes);
    lb.put("_sklearn_version", json(str(SKLEARN_VERSION)));
    d.put("_label_binarizer", object("LabelBinarizer", "sklearn.preprocessing._label", lb));
    d.put("classes_", classes); // sklearn's classes_ is the binarizer's array: one id, one file
    int outputs = h.coefs[h.coefs.length - 1][0].length;
    d.put("n_outputs_", json(Integer.toString(outputs)));
    d.put("_random_state", randomState(h.randomState == null ? 0 : h.randomState));
    d.put("n_iter_", json(Integer.toString(h.nIter)));
    d.put("t_", json(Long.toString(h.t)));
    d.put("n_layers_", json(Integer.toString(h.coefs.length + 1)));
    d.put("out_activation_", json(str(h.multilabel ? "logistic" : "softmax")));
    List<Object> coefs = new ArrayList<>();
    List<Object> intercepts = new ArrayList<>();
    for (int i = 0; i < h.coefs.length; i++) {
      coefs.add(array(h.coefs[i]));
      intercepts.add(array(h.intercepts[i]));
    }
    d.put("coefs_", list(coefs));
    d.put("intercepts_", list(intercepts));
    if (h.solver.equals("adam")) {
      List<Object> curve = new ArrayList<>();
      for (double l : h.lossCurve) {
        curve.add(scalar(l));
      }
      d.put("loss_curve_", list(curve));
      d.put("_no_improvement_count", json(Integer.toString(h.noImprovementCount)));
      d.put("best_loss_", scalar(h.bestLoss));
      d.put("validation_scores_", json("null"));
      d.put("best_validation_score_", json("null"));
      Map<String, Object> opt = new LinkedHashMap<>();
      opt.put("learning_rate_init", json(pyFloat(h.learningRateInit)));
      double lr = h.learningRateInit * Math.sqrt(1 - Math.pow(0.999, h.adamSteps))
          / (1 - Math.pow(0.9, h.adamSteps));
      opt.put("learning_rate", scalar(h.adamSteps == 0 ? h.learningRateInit : lr));
      opt.put("beta_1", json("0.9"));
      opt.put("beta_2", json("0.999"));
      opt.put("epsilon", json("1e-08"));
      opt.put("t", json(Long.toString(h.adamSteps)));
      if (h.adamCoefM == null) {
        // no Adam state given: the moments of an optimizer that has not stepped
        opt.put("ms", list(moments(zeros(h.coefs), zeros(h.intercepts))));
        opt.put("vs", list(moments(zeros(h.coefs), zeros(h.intercepts))));
      } else {
        opt.put("ms", list(moments(h.adamCoefM, h.adamInterceptM)));
        opt.put("vs", list(moments(h.adamCoefV, h.adamInterceptV)));
      }
      d.put("_optimizer",
          object("AdamOptimizer", "sklearn.neural_network._stochastic_optimizers", opt));
    } else {
      // _fit_lbfgs keeps where each layer's parameters sit in the packed vector
      List<Object> coefPtr = new ArrayList<>();
      List<Object> interceptPtr = new ArrayList<>();
      long start = 0;
      for (float[][] c : h.coefs) {
        long end = start + (long) c.length * c[0].length;
        coefPtr.add(tuple(List.of(json(Long.toString(start)), json(Long.toString(end)),
            tuple(List.of(json(Integer.toString(c.length)),
                json(Integer.toString(c[0].length)))))));
        start = end;
      }
      for (float[] b : h.intercepts) {
        long end = start + b.length;
        interceptPtr.add(tuple(List.of(json(Long.toString(start)), json(Long.toString(end)))));
        start = end;
      }
      d.put("_coef_indptr", list(coefPtr));
      d.put("_intercept_indptr", list(interceptPtr));
    }
    d.put("loss_", scalar(h.loss));
    d.put("_sklearn_version", json(str(SKLEARN_VERSION)));
    return object("MLPClassifier", "sklearn.neural_network._multilayer_perceptron", d);
  }

  private static float[][][] zeros(float[][][] like) {
    float[][][] z = new float[like.length][][];
    for (int l = 0; l < like.length; l++) {
      z[l] = new float[like[l].length][like[l][0].length];
    }
    return z;
  }

  private static float[][] zeros(float[][] like) {
    float[][] z = new float[like.length][];
    for (int l = 0; l < like.length; l++) {
      z[l] = new float[like[l].length];
    }
    return z;
  }

  /** Adam's moments in sklearn's order: params = coefs_ + intercepts_. */
  private List<Object> moments(float[][][] coefs, float[][] intercepts) {
    List<Object> out = new ArrayList<>();
    for (float[][] c : coefs) {
      out.add(array(c));
    }
    for (float[] b : intercepts) {
      out.add(array(b));
    }
    return out;
  }

  private Map<String, Object> logistic(LogisticRegressionFit h) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("penalty", json(str("l2")));
    d.put("dual", json("false"));
    d.put("tol", json(pyFloat(h.tol)));
    d.put("C", json(pyFloat(h.c)));
    d.put("fit_intercept", json("true"));
    d.put("intercept_scaling", json("1"));
    d.put("class_weight", json("null"));
    d.put("random_state", json("null"));
    d.put("solver", json(str("lbfgs")));
    d.put("max_iter", json(Integer.toString(h.maxIter)));
    d.put("multi_class", json(str("auto")));
    d.put("verbose", json("0"));
    d.put("warm_start", json("false"));
    d.put("n_jobs", json("null"));
    d.put("l1_ratio", json("null"));
    d.put("n_features_in_", json(Integer.toString(h.coef[0].length)));
    d.put("classes_", classes(h.classes));
    d.put("n_iter_", npy("ndarray", "<i4", new long[] {1},
        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.nIter).array()));
    d.put("coef_", array(h.coef));
    d.put("intercept_", array(h.intercept));
    d.put("_sklearn_version", json(str(SKLEARN_VERSION)));
    return object("LogisticRegression", "sklearn.linear_model._logistic", d);
  }

  /** numpy's legacy RandomState(seed) right after seeding (MT19937 init_genrand, pos 624). */
  private Map<String, Object> randomState(long seed) {
    int[] mt = new int[624];
    mt[0] = (int) seed;
    for (int i = 1; i < 624; i++) {
      mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }
    ByteBuffer key = ByteBuffer.allocate(624 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : mt) {
      key.putInt(v);
    }
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("key", npy("ndarray", "<u4", new long[] {624}, key.array()));
    st.put("pos", json("624"));
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("bit_generator", json(str("MT19937")));
    s.put("state", dict(st));
    s.put("has_gauss", json("0"));
    s.put("gauss", json("0.0"));
    Map<String, Object> n = head("RandomState", "numpy.random.mtrand", "RandomStateNode");
    n.put("content", dict(s));
    n.put("__id__", newId());
    return n;
  }

  // ---- nodes ---------------------------------------------------------------------------------

  private static Map<String, Object> head(String cls, String module, String loader) {
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("__class__", cls);
    n.put("__module__", module);
    n.put("__loader__", loader);
    return n;
  }

  private Map<String, Object> object(String cls, String module, Map<String, Object> attrs) {
    Map<String, Object> n = head(cls, module, "ObjectNode");
    n.put("content", dict(attrs));
    n.put("__id__", newId());
    return n;
  }

  private Map<String, Object> dict(Map<String, Object> content) {
    Map<String, Object> n = head("dict", "builtins", "DictNode");
    n.put("content", content);
    List<Object> keyTypes = new ArrayList<>();
    for (int i = 0; i < content.size(); i++) {
      Map<String, Object> t = head("str", "builtins", "TypeNode");
      t.put("__id__", strTypeId);
      keyTypes.add(t);
    }
    n.put("key_types", list(keyTypes));
    n.put("__id__", newId());
    return n;
  }

  private Map<String, Object> list(List<Object> items) {
    Map<String, Object> n = head("list", "builtins", "ListNode");
    n.put("content", items);
    n.put("__id__", newId());
    return n;
  }

  private Map<String, Object> tuple(List<Object> items) {
    Map<String, Object> n = head("tuple", "builtins", "TupleNode");
    n.put("content", items);
    n.put("__id__", newId());
    return n;
  }

  /** A JSON-able Python value: {@code content} is its {@code json.dumps}. */
  private Map<String, Object> json(String dumped) {
    Map<String, Object> n = head("str", "builtins", "JsonNode");
    n.put("content", dumped);
    n.put("is_json", Boolean.TRUE);
    n.put("__id__", newId());
    return n;
  }

  private Map<String, Object> classes(List<?> classes) {
    if (classes.get(0) instanceof Long) {
      ByteBuffer b = ByteBuffer.allocate(8 * classes.size()).order(ByteOrder.LITTLE_ENDIAN);
      for (Object c : classes) {
        b.putLong((Long) c);
      }
      return npy("ndarray", "<i8", new long[] {classes.size()}, b.array());
    }
    int width = 1;
    for (Object c : classes) {
      width = Math.max(width, ((String) c).codePointCount(0, ((String) c).length()));
    }
    ByteBuffer b = ByteBuffer.allocate(4 * width * classes.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (Object c : classes) {
      int[] cps = ((String) c).codePoints().toArray();
      for (int i = 0; i < width; i++) {
        b.putInt(i < cps.length ? cps[i] : 0); // numpy's '<U': UTF-32, padded with NULs
      }
    }
    return npy("ndarray", "<U" + width, new long[] {classes.size()}, b.array());
  }

  private Map<String, Object> array(float[][] m) {
    ByteBuffer b = ByteBuffer.allocate(4 * m.length * m[0].length).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] row : m) {
      for (float v : row) {
        b.putFloat(v);
      }
    }
    return npy("ndarray", "<f4", new long[] {m.length, m[0].length}, b.array());
  }

  private Map<String, Object> array(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return npy("ndarray", "<f4", new long[] {v.length}, b.array());
  }

  private Map<String, Object> array(double[][] m) {
    ByteBuffer b = ByteBuffer.allocate(8 * m.length * m[0].length).order(ByteOrder.LITTLE_ENDIAN);
    for (double[] row : m) {
      for (double v : row) {
        b.putDouble(v);
      }
    }
    return npy("ndarray", "<f8", new long[] {m.length, m[0].length}, b.array());
  }

  private Map<String, Object> array(double[] v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double x : v) {
      b.putDouble(x);
    }
    return npy("ndarray", "<f8", new long[] {v.length}, b.array());
  }

  /** A numpy float64 scalar (losses, the optimizer's learning rate): a 0-d array file. */
  private Map<String, Object> scalar(double v) {
    return npy("float64", "<f8", new long[0],
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v).array());
  }

  private Map<String, Object> npy(String cls, String descr, long[] shape, byte[] data) {
    long id = newId();
    String file = id + ".npy";
    try {
      stored(file, npyBytes(descr, shape, data));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> n = head(cls, "numpy", "NdArrayNode");
    n.put("type", "numpy");
    n.put("file", file);
    n.put("__id__", id);
    return n;
  }

  /** An .npy file as {@code np.save} writes it (format 1.0, header padded to 64 bytes). */
  static byte[] npyBytes(String descr, long[] shape, byte[] data) {
    StringBuilder shapeText = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      shapeText.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    shapeText.append(shape.length == 1 ? ",)" : ")");
    StringBuilder h = new StringBuilder("{'descr': '").append(descr)
        .append("', 'fortran_order': False, 'shape': ").append(shapeText).append(", }");
    if (shape.length > 0) {
      // numpy leaves room to grow the first axis in place (GROWTH_AXIS_MAX_DIGITS = 21)
      h.append(" ".repeat(21 - Long.toString(shape[0]).length()));
    }
    int total = 10 + h.length() + 1;
    h.append(" ".repeat((64 - total % 64) % 64)).append('\n');
    byte[] header = h.toString().getBytes(StandardCharsets.US_ASCII);
    ByteBuffer b = ByteBuffer.allocate(10 + header.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1)
        .put((byte) 0).putShort((short) header.length).put(header).put(data);
    return b.array();
  }

  // ---- Python's json.dumps -------------------------------------------------------------------

  /** {@code json.dumps} of a Python str. */
  static String str(String s) {
    StringBuilder sb = new StringBuilder();
    PyJson.string(s, sb);
    return sb.toString();
  }

  /** Python's {@code repr(float)}, which {@code json.dumps} writes for a float. */
  static String pyFloat(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "Infinity" : "-Infinity";
    }
    if (v == 0) {
      return (1 / v < 0) ? "-0.0" : "0.0";
    }
    BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
    String digits = d.unscaledValue().toString();
    int exp = digits.length() - 1 - d.scale(); // v = d.ddd x 10^exp
    String sign = v < 0 ? "-" : "";
    if (exp >= -5 + 1 && exp < 16) {
      String plain = d.toPlainString();
      return sign + (plain.contains(".") ? plain : plain + ".0");
    }
    String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    String e = Integer.toString(Math.abs(exp));
    return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
  }

  /** {@code json.dumps(obj, indent=2)}: maps, lists, strings, booleans, integers. */
  static final class PyJson {
    private PyJson() {}

    @SuppressWarnings("unchecked")
    static void dump(Object o, StringBuilder sb, int indent) {
      if (o instanceof Map) {
        Map<String, Object> m = (Map<String, Object>) o;
        if (m.isEmpty()) {
          sb.append("{}");
          return;
        }
        sb.append("{\n");
        int i = 0;
        for (Map.Entry<String, Object> e : m.entrySet()) {
          pad(sb, indent + 2);
          string(e.getKey(), sb);
          sb.append(": ");
          dump(e.getValue(), sb, indent + 2);
          sb.append(++i < m.size() ? ",\n" : "\n");
        }
        pad(sb, indent);
        sb.append('}');
      } else if (o instanceof List) {
        List<Object> l = (List<Object>) o;
        if (l.isEmpty()) {
          sb.append("[]");
          return;
        }
        sb.append("[\n");
        for (int i = 0; i < l.size(); i++) {
          pad(sb, indent + 2);
          dump(l.get(i), sb, indent + 2);
          sb.append(i + 1 < l.size() ? ",\n" : "\n");
        }
        pad(sb, indent);
        sb.append(']');
      } else if (o instanceof String) {
        string((String) o, sb);
      } else if (o instanceof Boolean || o instanceof Integer || o instanceof Long) {
        sb.append(o);
      } else {
        throw new IllegalArgumentException("no JSON for " + o);
      }
    }

    private static void pad(StringBuilder sb, int n) {
      sb.append(" ".repeat(n));
    }

    /** A JSON string with ensure_ascii: every non-ASCII UTF-16 unit as \\uXXXX. */
    static void string(String s, StringBuilder sb) {
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"': sb.append("\\\""); break;
          case '\\': sb.append("\\\\"); break;
          case '\n': sb.append("\\n"); break;
          case '\r': sb.append("\\r"); break;
          case '\t': sb.append("\\t"); break;
          case '\b': sb.append("\\b"); break;
          case '\f': sb.append("\\f"); break;
          default:
            if (c < 0x20 || c > 0x7f) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
        }
      }
      sb.append('"');
    }
  }

}
