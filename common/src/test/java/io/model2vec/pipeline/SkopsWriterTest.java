package io.model2vec.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * What {@link SkopsWriter} writes has the structure skops writes for the same estimators:
 * compared field by field with the fixtures' {@code schema.json} (saved by scikit-learn 1.2.1 +
 * skops): same keys in the same order, same classes, modules and loaders, same JSON types, same
 * array dtypes and ranks; only the trained values (and lists of them, the loss curve) differ.
 */
class SkopsWriterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEADER = Pattern.compile(
      "\\{'descr': '([^']+)', 'fortran_order': False, 'shape': \\(([0-9, ]*)\\), \\}");

  /** A zip's entries by name. */
  static Map<String, byte[]> unzip(byte[] zip) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        out.put(e.getName(), in.readAllBytes());
      }
    }
    return out;
  }

  /** descr and shape of an .npy file, and its data. */
  record Npy(String descr, long[] shape, ByteBuffer data) {}

  static Npy npy(byte[] file) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(file[0] & 0xff).isEqualTo(0x93);
    int len = b.getShort(8) & 0xffff;
    assertThat((10 + len) % 64).as("header padded to 64 bytes").isZero();
    String header = new String(file, 10, len, StandardCharsets.US_ASCII);
    Matcher m = HEADER.matcher(header.trim());
    assertThat(m.matches()).as(header).isTrue();
    String[] dims = m.group(2).replace(" ", "").split(",");
    List<Long> shape = new ArrayList<>();
    for (String d : dims) {
      if (!d.isEmpty()) {
        shape.add(Long.parseLong(d));
      }
    }
    return new Npy(m.group(1), shape.stream().mapToLong(Long::longValue).toArray(),
        b.slice(10 + len, file.length - 10 - len).order(ByteOrder.LITTLE_ENDIAN));
  }

  static Map<String, byte[]> fixture(String name) throws IOException {
    Path p = Fixtures.testdata().resolve("fixtures/pipelines").resolve(name)
        .resolve("pipeline.skops");
    return unzip(Files.readAllBytes(p));
  }

  static JsonNode schema(Map<String, byte[]> zip) throws IOException {
    return JSON.readTree(zip.get("schema.json"));
  }

  /** The last step's estimator attributes (the DictNode's content). */
  static JsonNode estimator(JsonNode schema) {
    JsonNode steps = schema.at("/content/content/steps/content");
    return steps.get(steps.size() - 1).at("/content/1/content/content");
  }

  static Npy array(Map<String, byte[]> zip, JsonNode node) {
    return npy(zip.get(node.get("file").asText()));
  }

  static List<Object> classes(Map<String, byte[]> zip, JsonNode est) {
    Npy a = array(zip, est.get("classes_"));
    List<Object> out = new ArrayList<>();
    if (a.descr().equals("<i8")) {
      for (int i = 0; i < a.shape()[0]; i++) {
        out.add(a.data().getLong(8 * i));
      }
      return out;
    }
    int width = Integer.parseInt(a.descr().substring(2));
    for (int i = 0; i < a.shape()[0]; i++) {
      StringBuilder sb = new StringBuilder();
      for (int j = 0; j < width; j++) {
        int cp = a.data().getInt(4 * (i * width + j));
        if (cp != 0) {
          sb.appendCodePoint(cp);
        }
      }
      out.add(sb.toString());
    }
    return out;
  }

  /** Zero weights of the fixture's shapes, with its classes and activation. */
  static MlpClassifierFit mlpLike(String fixture, long steps) throws IOException {
    Map<String, byte[]> zip = fixture(fixture);
    JsonNode est = estimator(schema(zip));
    JsonNode coefs = est.at("/coefs_/content");
    float[][][] c = new float[coefs.size()][][];
    float[][] b = new float[coefs.size()][];
    for (int l = 0; l < coefs.size(); l++) {
      long[] s = array(zip, coefs.get(l)).shape();
      c[l] = new float[(int) s[0]][(int) s[1]];
      b[l] = new float[(int) s[1]];
    }
    String activation = JSON.readTree(est.at("/activation/content").asText()).asText();
    boolean multilabel = est.at("/out_activation_/content").asText().equals("\"logistic\"");
    JsonNode seed = JSON.readTree(est.at("/random_state/content").asText());
    MlpClassifierFit f = new MlpClassifierFit(classes(zip, est), c, b, activation, multilabel)
        .hyperparameters("adam", 1e-4, 0, 1e-3, 300, seed.isNull() ? null : seed.asLong(), 10)
        .record(3, 3600, new double[] {0.9, 0.5, 0.4}, 0);
    return f.adam(steps, c, b, c, b);
  }

  static LogisticRegressionFit logisticLike(String fixture) throws IOException {
    Map<String, byte[]> zip = fixture(fixture);
    JsonNode est = estimator(schema(zip));
    long[] s = array(zip, est.get("coef_")).shape();
    return new LogisticRegressionFit(classes(zip, est), new double[(int) s[0]][(int) s[1]],
        new double[(int) s[0]]).record(1.0, 500, 12);
  }

  @Test
  void mlpHeadsHaveTheFixturesStructure() throws IOException {
    for (String f : List.of("mlp-multiclass", "mlp-binary-softmax", "mlp-multilabel",
        "mlp-two-layers-tanh")) {
      Map<String, byte[]> mine = unzip(SkopsWriter.write(mlpLike(f, 18)));
      Map<String, byte[]> ref = fixture(f);
      sameStructure(schema(mine), schema(ref), mine, ref, f);
    }
  }

  @Test
  void logisticHeadsHaveTheFixturesStructure() throws IOException {
    for (String f : List.of("logreg-binary", "logreg-multiclass", "logreg-int-labels")) {
      Map<String, byte[]> mine = unzip(SkopsWriter.write(logisticLike(f)));
      Map<String, byte[]> ref = fixture(f);
      sameStructure(schema(mine), schema(ref), mine, ref, f);
    }
  }

  @Test
  void arraysHoldTheWeightsAndClassesTheLabels() throws IOException {
    float[][][] c = {{{1, 2, 3}, {4, 5, 6}}, {{0.5f, -1}, {2, 3}, {-4, 0.25f}}};
    float[][] b = {{0.1f, 0.2f, 0.3f}, {7, 8}};
    MlpClassifierFit fit = new MlpClassifierFit(List.of("ham", "spam\u00e9"), c, b, "relu",
        false);
    Map<String, byte[]> zip = unzip(SkopsWriter.write(fit));
    JsonNode est = estimator(schema(zip));
    Npy w1 = array(zip, est.at("/coefs_/content/1"));
    assertThat(w1.descr()).isEqualTo("<f4");
    assertThat(w1.shape()).containsExactly(3, 2);
    assertThat(w1.data().getFloat(4 * 5)).isEqualTo(0.25f);
    assertThat(classes(zip, est)).containsExactly("ham", "spam\u00e9");
    assertThat(array(zip, est.get("classes_")).descr()).isEqualTo("<U5");
    // the label binarizer's classes_ is the estimator's: one node id, one file
    assertThat(est.at("/_label_binarizer/content/content/classes_"))
        .isEqualTo(est.get("classes_"));
    assertThat(new String(zip.get("schema.json"), StandardCharsets.US_ASCII))
        .startsWith("{\n  \"__class__\": \"Pipeline\",\n  \"__module__\": \"sklearn.pipeline\"")
        .doesNotContain("\u00e9");
  }

  @Test
  void idsAreDistinctExceptWhereSklearnSharesAnObject() throws IOException {
    Map<String, byte[]> zip = unzip(SkopsWriter.write(mlpLike("mlp-multiclass", 5)));
    Map<Long, JsonNode> byId = new HashMap<>();
    collect(schema(zip), byId, new ArrayList<>());
  }

  private static void collect(JsonNode n, Map<Long, JsonNode> byId, List<String> path) {
    if (n.isObject() && n.has("__id__")) {
      JsonNode seen = byId.putIfAbsent(n.get("__id__").asLong(), n);
      if (seen != null) {
        assertThat(n).as("two different nodes with one id at " + path).isEqualTo(seen);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      path.add(e.getKey());
      collect(e.getValue(), byId, path);
      path.remove(path.size() - 1);
    }
    if (n.isArray()) {
      for (JsonNode c : n) {
        collect(c, byId, path);
      }
    }
  }

  @Test
  void pythonFloatRepr() {
    assertThat(SkopsWriter.pyFloat(1e-4)).isEqualTo("0.0001");
    assertThat(SkopsWriter.pyFloat(1e-8)).isEqualTo("1e-08");
    assertThat(SkopsWriter.pyFloat(1.0)).isEqualTo("1.0");
    assertThat(SkopsWriter.pyFloat(0.999)).isEqualTo("0.999");
    assertThat(SkopsWriter.pyFloat(1e16)).isEqualTo("1e+16");
    assertThat(SkopsWriter.pyFloat(123456.5)).isEqualTo("123456.5");
    assertThat(SkopsWriter.pyFloat(-2.5e-7)).isEqualTo("-2.5e-07");
  }

  @Test
  void badHeadsAreRefusedWithTheRule() {
    float[][][] c = {{{1, 2}}};
    float[][] b = {{0, 0}};
    assertThatThrownBy(() -> new MlpClassifierFit(List.of("b", "a"), c, b, "relu", false))
        .hasMessageContaining("sorted");
    assertThatThrownBy(() -> new MlpClassifierFit(List.of("a", "b", "c"), c, b, "relu", false))
        .hasMessageContaining("one output per class (3), had 2");
    assertThatThrownBy(() -> new MlpClassifierFit(List.of("a", "b"), c, b, "gelu", false))
        .hasMessageContaining("activation must be one of");
  }

  // ---- the comparison ----------------------------------------------------------------------

  private static void sameStructure(JsonNode mine, JsonNode ref, Map<String, byte[]> mineZip,
      Map<String, byte[]> refZip, String path) {
    assertThat(mine.isObject()).as(path).isEqualTo(ref.isObject());
    if (!ref.isObject()) {
      assertThat(mine.getNodeType()).as(path).isEqualTo(ref.getNodeType());
      return;
    }
    assertThat(fieldNames(mine)).as("keys of " + path).isEqualTo(fieldNames(ref));
    String loader = ref.path("__loader__").asText();
    if (!loader.isEmpty()) {
      assertThat(mine.get("__loader__").asText()).as(path).isEqualTo(loader);
      assertThat(mine.get("__module__").asText()).as(path)
          .isEqualTo(ref.get("__module__").asText());
      assertThat(mine.get("__class__").asText()).as(path)
          .isEqualTo(ref.get("__class__").asText());
    }
    for (String k : fieldNames(ref)) {
      JsonNode a = mine.get(k);
      JsonNode b = ref.get(k);
      String p = path + "/" + k;
      switch (k) {
        case "__id__":
          assertThat(a.isIntegralNumber()).as(p).isTrue();
          break;
        case "file":
          Npy x = npy(mineZip.get(a.asText()));
          Npy y = npy(refZip.get(b.asText()));
          assertThat(x.shape().length).as("rank of " + p).isEqualTo(y.shape().length);
          assertThat(x.descr().charAt(1)).as("dtype kind of " + p).isEqualTo(y.descr().charAt(1));
          if (p.contains("classes_")) {
            assertThat(x.descr()).as(p).isEqualTo(y.descr());
          }
          assertThat(a.asText()).as(p).isEqualTo(mine.get("__id__").asLong() + ".npy");
          break;
        case "content":
          if (loader.equals("JsonNode")) {
            JsonNode va = parse(a.asText());
            JsonNode vb = parse(b.asText());
            assertThat(va.getNodeType()).as(p + " = " + a + " vs " + b)
                .isEqualTo(vb.getNodeType());
            assertThat(va.isIntegralNumber()).as(p).isEqualTo(vb.isIntegralNumber());
          } else if (a.isArray()) {
            if (p.endsWith("loss_curve_/content")) {
              for (JsonNode item : a) {
                sameStructure(item, b.get(0), mineZip, refZip, p + "[i]");
              }
            } else {
              assertThat(a.size()).as("length of " + p).isEqualTo(b.size());
              for (int i = 0; i < a.size(); i++) {
                sameStructure(a.get(i), b.get(i), mineZip, refZip, p + "[" + i + "]");
              }
            }
          } else {
            sameStructure(a, b, mineZip, refZip, p);
          }
          break;
        default:
          if (b.isValueNode() && !k.equals("_skops_version")) {
            assertThat(a).as(p).isEqualTo(b);
          } else {
            sameStructure(a, b, mineZip, refZip, p);
          }
      }
    }
  }

  private static JsonNode parse(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + s, e);
    }
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
