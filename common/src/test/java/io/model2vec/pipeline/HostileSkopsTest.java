package io.model2vec.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.Fixtures;
import io.model2vec.Model2VecException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/**
 * Hostile and broken skops files: each is refused with one line that names the file and what is
 * wrong, before anything large is allocated and without evaluating anything.
 */
class HostileSkopsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WHERE = "hostile.skops";

  /** The entries of a fixture's pipeline.skops. */
  static Map<String, byte[]> fixture(String name) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(Fixtures.testdata()
        .resolve("fixtures/pipelines").resolve(name).resolve("pipeline.skops"));
        ZipInputStream zip = new ZipInputStream(in)) {
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        entries.put(e.getName(), zip.readAllBytes());
      }
    }
    return entries;
  }

  static byte[] zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return out.toByteArray();
  }

  /** The logistic regression fixture with its schema.json changed by {@code edit}. */
  static byte[] edited(Consumer<ObjectNode> edit) throws IOException {
    Map<String, byte[]> entries = fixture("logreg-binary");
    ObjectNode schema = (ObjectNode) JSON.readTree(entries.get("schema.json"));
    edit.accept(schema);
    entries.put("schema.json", JSON.writeValueAsBytes(schema));
    return zip(entries);
  }

  /** The state of the pipeline's LogisticRegression: its attributes by name. */
  static ObjectNode estimatorAttrs(ObjectNode schema) {
    return (ObjectNode) estimator(schema).get("content").get("content");
  }

  static ObjectNode estimator(ObjectNode schema) {
    JsonNode steps = schema.get("content").get("content").get("steps").get("content");
    return (ObjectNode) steps.get(0).get("content").get(1);
  }

  static PipelineHead read(byte[] skops) {
    return PipelineHead.read(new ByteArrayInputStream(skops), WHERE);
  }

  static AbstractThrowableAssert<?, ? extends Throwable> refused(byte[] skops) {
    return assertThatThrownBy(() -> read(skops)).isInstanceOf(Model2VecException.class)
        .hasMessageStartingWith(WHERE)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void theUntouchedFixtureIsRead() throws IOException {
    PipelineHead head = read(edited(s -> { }));
    assertThat(head.kind()).isEqualTo(PipelineHead.Kind.CLASSIFIER);
    assertThat(head.classes()).containsExactly("de", "en");
    // Protocol 1 (skops 0.7 to 0.9) wrote these nodes the same way.
    assertThat(read(edited(s -> s.put("protocol", 1))).classes()).containsExactly("de", "en");
  }

  @Test
  void cachedNodesStandForTheirFirstNode() throws IOException {
    // Older skops wrote a repeated object as a CachedNode naming the __id__ of its first node.
    PipelineHead head = read(edited(s -> {
      ObjectNode attrs = estimatorAttrs(s);
      JsonNode classes = attrs.get("classes_");
      ObjectNode reordered = JSON.createObjectNode();
      reordered.set("first_classes", classes);
      attrs.fields().forEachRemaining(e -> reordered.set(e.getKey(), e.getValue()));
      reordered.set("classes_", JSON.createObjectNode().put("__class__", "ndarray")
          .put("__module__", "numpy").put("__loader__", "CachedNode")
          .put("__id__", classes.get("__id__").asLong()));
      attrs.removeAll();
      attrs.setAll(reordered);
    }));
    assertThat(head.classes()).containsExactly("de", "en");
    refused(edited(s -> estimatorAttrs(s).set("classes_", JSON.createObjectNode()
        .put("__class__", "ndarray").put("__module__", "numpy").put("__loader__", "CachedNode")
        .put("__id__", 42)))).hasMessageContaining("CachedNode for numpy.ndarray with __id__ 42");
  }

  @Test
  void zipBomb() throws IOException {
    Map<String, byte[]> entries = fixture("logreg-binary");
    entries.put("bomb.npy", new byte[16 << 20]); // 16 MiB of zeros deflate to about 16 KiB
    refused(zip(entries)).hasMessageContaining("bomb.npy").hasMessageContaining("zip bomb");
  }

  @Test
  void hugeShape() throws IOException {
    Map<String, byte[]> entries = fixture("logreg-binary");
    String file = estimatorAttrs((ObjectNode) JSON.readTree(entries.get("schema.json")))
        .get("coef_").get("file").asText();
    entries.put(file, npy("<f8", "(1000000000, 1000000000)", false, new byte[16]));
    refused(zip(entries)).hasMessageContaining(file).hasMessageContaining("(1000000000, 1000000000)"
        .replace("(", "[").replace(")", "]")).hasMessageContaining("16 bytes of data");
  }

  @Test
  void unknownLoader() throws IOException {
    refused(edited(s -> estimator(s).put("__loader__", "EvilNode")))
        .hasMessageContaining("loader EvilNode")
        .hasMessageContaining("sklearn.linear_model._logistic.LogisticRegression");
  }

  @Test
  void functionObject() throws IOException {
    refused(edited(s -> estimatorAttrs(s).set("solver", JSON.createObjectNode()
        .put("__class__", "system").put("__module__", "os").put("__loader__", "FunctionNode"))))
        .hasMessageContaining("function object os.system (FunctionNode)")
        .hasMessageContaining("never evaluated");
  }

  @Test
  void osSystemLikeClass() throws IOException {
    refused(edited(s -> estimator(s).put("__module__", "os").put("__class__", "system")))
        .hasMessageContaining("os.system (ObjectNode)").hasMessageContaining("not supported");
    refused(edited(s -> estimator(s).put("__module__", "sklearn.utils").put("__class__",
        "Bunch"))).hasMessageContaining("sklearn.utils.Bunch (ObjectNode)");
    refused(edited(s -> estimatorAttrs(s).set("solver", JSON.createObjectNode()
        .put("__class__", "list").put("__module__", "builtins").put("__loader__", "TypeNode"))))
        .hasMessageContaining("type object builtins.list");
  }

  @Test
  void aDictKeyTypeThatIsNotPlain() throws IOException {
    refused(edited(s -> {
      ArrayNode types = (ArrayNode) s.get("content").get("key_types").get("content");
      ((ObjectNode) types.get(0)).put("__module__", "os").put("__class__", "system");
    })).hasMessageContaining("key type os.system");
  }

  @Test
  void deepNesting() throws IOException {
    // 100 lists in lists: within the JSON parser's bound, beyond the reader's own.
    refused(edited(s -> estimatorAttrs(s).set("solver", nestedLists(100))))
        .hasMessageContaining("deeper than 64");
    // 5000: beyond the JSON parser's bound, refused before any tree is built.
    Map<String, byte[]> entries = fixture("logreg-binary");
    entries.put("schema.json", ("{\"protocol\": 2, \"x\": " + "[".repeat(5000) + "]".repeat(5000)
        + "}").getBytes(StandardCharsets.UTF_8));
    refused(zip(entries)).hasMessageContaining("deeper than 256");
  }

  @Test
  void brokenFiles() throws IOException {
    refused("not a zip at all".getBytes(StandardCharsets.UTF_8)).hasMessageContaining("no zip "
        + "entries");
    Map<String, byte[]> entries = fixture("logreg-binary");
    entries.remove("schema.json");
    refused(zip(entries)).hasMessageContaining("has no entry schema.json");
    Map<String, byte[]> noArray = fixture("logreg-binary");
    String file = estimatorAttrs((ObjectNode) JSON.readTree(noArray.get("schema.json")))
        .get("coef_").get("file").asText();
    noArray.remove(file);
    refused(zip(noArray)).hasMessageContaining("has no entry " + file);
    refused(edited(s -> s.remove("protocol"))).hasMessageContaining("protocol");
    refused(edited(s -> estimatorAttrs(s).remove("coef_")))
        .hasMessageContaining("LogisticRegression without coef_");
  }

  @Test
  void objectAndStructuredArraysAreRefused() {
    assertThatThrownBy(() -> Npy.read(npy("|O", "(2,)", false, new byte[16]), "a.npy"))
        .hasMessage("a.npy has dtype '|O', which is not supported (floats, integers, booleans "
            + "and unicode strings are; object arrays would need pickle)");
    byte[] structured = npyHeader("{'descr': [('a', '<i8')], 'fortran_order': False, "
        + "'shape': (1,), }", new byte[8]);
    assertThatThrownBy(() -> Npy.read(structured, "b.npy"))
        .hasMessageStartingWith("b.npy has a dtype that is not a plain number or string type");
  }

  @Test
  void npyByteOrdersWidthsAndFortranOrder() {
    ByteBuffer be = ByteBuffer.allocate(6 * 8).order(ByteOrder.BIG_ENDIAN);
    for (int i = 0; i < 6; i++) {
      be.putDouble(i + 0.5);
    }
    // Fortran order: column by column, so the C-order rows are [0.5, 2.5, 4.5], [1.5, 3.5, 5.5].
    NdArray f = Npy.read(npy(">f8", "(2, 3)", true, be.array()), "f.npy");
    assertThat(f.shape).containsExactly(2, 3);
    assertThat(f.numbers).containsExactly(0.5, 2.5, 4.5, 1.5, 3.5, 5.5);
    ByteBuffer le = ByteBuffer.allocate(3 * 4).order(ByteOrder.LITTLE_ENDIAN);
    le.putInt(-5).putInt(5).putInt(15);
    assertThat(Npy.read(npy("<i4", "(3,)", false, le.array()), "i.npy").longs)
        .containsExactly(-5, 5, 15);
    ByteBuffer l8 = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(1L << 40);
    assertThat(Npy.read(npy(">i8", "()", false, l8.array()), "l.npy").longs)
        .containsExactly(1L << 40);
    ByteBuffer f4 = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.25f)
        .putFloat(-2f);
    assertThat(Npy.read(npy(">f4", "(2,)", false, f4.array()), "f4.npy").numbers)
        .containsExactly(1.25, -2);
    ByteBuffer u = ByteBuffer.allocate(2 * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
    u.putInt('d').putInt('e').putInt(0).putInt('e').putInt('n').putInt(0x1F600);
    assertThat(Npy.read(npy("<U3", "(2,)", false, u.array()), "u.npy").strings)
        .containsExactly("de", "en\uD83D\uDE00");
  }

  static byte[] npy(String descr, String shape, boolean fortran, byte[] data) {
    return npyHeader("{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
        + ", 'shape': " + shape + ", }", data);
  }

  static byte[] npyHeader(String dict, byte[] data) {
    StringBuilder h = new StringBuilder(dict);
    while ((10 + h.length() + 1) % 64 != 0) {
      h.append(' ');
    }
    h.append('\n');
    byte[] header = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer b = ByteBuffer.allocate(10 + header.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.putShort((short) header.length).put(header).put(data);
    return b.array();
  }

  static JsonNode nestedLists(int depth) {
    ObjectNode node = JSON.createObjectNode().put("__class__", "str").put("__module__", "builtins")
        .put("__loader__", "JsonNode").put("content", "\"x\"");
    for (int i = 0; i < depth; i++) {
      ObjectNode list = JSON.createObjectNode().put("__class__", "list")
          .put("__module__", "builtins").put("__loader__", "ListNode");
      list.putArray("content").add(node);
      node = list;
    }
    return node;
  }
}
