package io.model2vec.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Model2VecException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the object tree of a skops file's {@code schema.json} into plain data, without evaluating
 * anything: every node is a {@code __class__}, {@code __module__} and {@code __loader__} (skops'
 * name of the Python class that would rebuild it) with a {@code content}. Only the loaders and
 * classes that a classifier head is made of are read (containers, json values, numpy arrays, and
 * the scikit-learn estimators of {@link #ESTIMATORS}); any other class, loader, a function or
 * type object is refused with one line naming it and the file. Protocols 0 to 2 (skops 0.6 to
 * 0.11+) differ only in nodes this reader refuses (functions) or does not look into (random
 * generators), so one reader serves them all.
 *
 * <p>What the tree becomes: {@link SkObject} for an estimator (its attributes by name), {@link
 * List} for a list or tuple, {@link Map} for a dict, {@link NdArray} for a numpy array or scalar,
 * String / Long / Double / Boolean / null for json values (and lists and maps of them), and
 * {@link #OPAQUE} for a random state, which a prediction never needs.
 */
final class SkopsSchema {
  /** The estimators and helpers of supported heads: module prefix {@code sklearn.} and name. */
  static final Set<String> ESTIMATORS = Set.of("Pipeline", "StandardScaler", "Normalizer",
      "MLPClassifier", "MLPRegressor", "LogisticRegression", "LabelBinarizer", "AdamOptimizer",
      "SGDOptimizer");
  static final Object OPAQUE = new Object() {
    @Override
    public String toString() {
      return "<random state>";
    }
  };
  static final int MAX_DEPTH = 64;
  private static final int MAX_JSON_DEPTH = 256;
  private static final int MAX_STRING = 16 << 20;
  private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH)
          .maxStringLength(MAX_STRING).build())
      .build());

  /** An estimator of {@link #ESTIMATORS}: its class and its attributes (its {@code __dict__}). */
  static final class SkObject {
    final String module;
    final String name;
    final Map<String, Object> attrs;

    SkObject(String module, String name, Map<String, Object> attrs) {
      this.module = module;
      this.name = name;
      this.attrs = attrs;
    }

    @Override
    public String toString() {
      return module + "." + name;
    }
  }

  private final SkopsArchive archive;
  private final String where;
  /** skops' memo: a node whose {@code __id__} was read before is that same value. */
  private final Map<Long, Object> memo = new HashMap<>();
  private final Map<String, NdArray> arrays = new HashMap<>();
  private int protocol;

  private SkopsSchema(SkopsArchive archive) {
    this.archive = archive;
    this.where = archive.where();
  }

  /** The root of the tree of {@code archive}'s schema.json. */
  static Object read(SkopsArchive archive) {
    return new SkopsSchema(archive).root();
  }

  private Object root() {
    JsonNode schema;
    try {
      schema = JSON.readTree(archive.entry("schema.json"));
    } catch (IOException e) {
      throw fail("schema.json is not valid JSON (or nests deeper than " + MAX_JSON_DEPTH
          + " levels): " + firstLine(e.getMessage()));
    }
    if (schema == null || !schema.isObject()) {
      throw fail("schema.json is not a JSON object");
    }
    JsonNode p = schema.get("protocol");
    if (p == null || !p.canConvertToInt() || p.asInt() < 0) {
      throw fail("schema.json has no skops protocol number (its 'protocol' is "
          + (p == null ? "missing" : shown(p.toString())) + ")");
    }
    protocol = p.asInt();
    return node(schema, 0);
  }

  private Object node(JsonNode state, int depth) {
    if (depth > MAX_DEPTH) {
      throw fail("schema.json nests objects deeper than " + MAX_DEPTH
          + " levels; a classifier head nests about 10");
    }
    if (state == null || !state.isObject()) {
      throw fail("schema.json has a node that is not an object: " + shown(String.valueOf(state)));
    }
    String cls = text(state, "__class__");
    String module = text(state, "__module__");
    String loader = text(state, "__loader__");
    Long id = state.has("__id__") && state.get("__id__").canConvertToLong()
        ? state.get("__id__").asLong() : null;
    if (loader.equals("CachedNode")) {
      if (id == null || !memo.containsKey(id)) {
        throw fail("schema.json has a CachedNode for " + module + "." + cls + " with __id__ "
            + id + ", which no earlier node has");
      }
      return memo.get(id);
    }
    if (id != null && memo.containsKey(id)) {
      return memo.get(id); // as skops' get_tree: the first node of an id stands for every other
    }
    Object value = switch (loader) {
      case "JsonNode" -> json(state);
      case "ListNode" -> {
        expect(module, cls, "builtins", "list", loader);
        yield list(state.get("content"), depth);
      }
      case "TupleNode" -> {
        expect(module, cls, "builtins", "tuple", loader);
        yield list(state.get("content"), depth);
      }
      case "DictNode" -> dict(state, module, cls, depth);
      case "NdArrayNode" -> array(state, module, cls, depth);
      case "ObjectNode" -> object(state, module, cls, depth);
      case "RandomStateNode", "RandomGeneratorNode" -> {
        if (!module.startsWith("numpy.random")) {
          throw refused(module, cls, loader);
        }
        yield OPAQUE;
      }
      case "FunctionNode", "PartialNode", "MethodNode", "OperatorFuncNode", "TypeNode" ->
          throw fail("schema.json holds the " + (loader.equals("TypeNode") ? "type object "
              : "function object ") + module + "." + cls + " (" + loader + "), which a "
              + "classifier head never holds: refused, never evaluated");
      default -> throw fail("schema.json has the loader " + shown(loader) + " for "
          + module + "." + cls + ", which is not supported (only data and scikit-learn "
          + "classifier heads are read; nothing is evaluated)");
    };
    if (id != null) {
      memo.put(id, value);
    }
    return value;
  }

  private Object json(JsonNode state) {
    JsonNode content = state.get("content");
    if (content == null || !content.isTextual()) {
      throw fail("schema.json has a JsonNode whose content is not a JSON string");
    }
    try {
      return plain(JSON.readTree(content.asText()));
    } catch (IOException e) {
      throw fail("schema.json has a JsonNode whose content is not JSON: "
          + shown(content.asText()));
    }
  }

  /** A json value as plain Java values. */
  private static Object plain(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isArray()) {
      List<Object> out = new ArrayList<>();
      for (JsonNode e : v) {
        out.add(plain(e));
      }
      return Collections.unmodifiableList(out);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), plain(e.getValue()));
    }
    return Collections.unmodifiableMap(out);
  }

  private List<Object> list(JsonNode content, int depth) {
    if (content == null || !content.isArray()) {
      throw fail("schema.json has a list or tuple whose content is not a list");
    }
    List<Object> out = new ArrayList<>(content.size());
    for (JsonNode e : content) {
      out.add(node(e, depth + 1));
    }
    return Collections.unmodifiableList(out);
  }

  private Map<String, Object> dict(JsonNode state, String module, String cls, int depth) {
    if (!(module.equals("builtins") && cls.equals("dict"))
        && !(module.equals("collections") && cls.equals("OrderedDict"))) {
      throw refused(module, cls, "DictNode");
    }
    JsonNode content = state.get("content");
    if (content == null || !content.isObject()) {
      throw fail("schema.json has a dict whose content is not an object");
    }
    JsonNode keyTypes = state.get("key_types");
    if (keyTypes != null) {
      keyTypes(keyTypes, depth);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = content.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), node(e.getValue(), depth + 1));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * A dict's key types: a list of types, which skops would import and call on each key. Only
   * the plain key types are accepted (they are read as strings here, never called).
   */
  private void keyTypes(JsonNode keyTypes, int depth) {
    if (!keyTypes.isObject() || !"ListNode".equals(keyTypes.path("__loader__").asText())
        || !keyTypes.path("content").isArray()) {
      throw fail("schema.json has a dict whose key_types is not a list of types");
    }
    for (JsonNode t : keyTypes.get("content")) {
      String module = text(t, "__module__");
      String cls = text(t, "__class__");
      if (!"TypeNode".equals(t.path("__loader__").asText())
          || !(module.equals("builtins") && Set.of("str", "int", "float", "bool").contains(cls))
              && !(module.equals("numpy") && cls.matches("(u?int|float)(8|16|32|64)|str_"))) {
        throw fail("schema.json has a dict key type " + module + "." + cls + " ("
            + t.path("__loader__").asText() + "), which is not a plain key type: refused, "
            + "never evaluated");
      }
    }
  }

  private NdArray array(JsonNode state, String module, String cls, int depth) {
    if (!module.equals("numpy")) {
      throw refused(module, cls, "NdArrayNode");
    }
    String type = state.path("type").asText();
    if (type.equals("numpy")) {
      String file = text(state, "file");
      NdArray cached = arrays.get(file);
      if (cached == null) {
        cached = Npy.read(archive.entry(file), where + " entry " + file);
        arrays.put(file, cached);
      }
      return cached;
    }
    if (type.equals("json")) {
      // An object array: skops keeps it as a list of nodes (strings, for labels and feature
      // names) and its shape.
      List<Object> items = list(state.get("content"), depth);
      String[] strings = new String[items.size()];
      for (int i = 0; i < strings.length; i++) {
        if (!(items.get(i) instanceof String)) {
          throw fail("schema.json has an object array with a " + (items.get(i) == null ? "null"
              : items.get(i).getClass().getSimpleName()) + " item; only strings are supported");
        }
        strings[i] = (String) items.get(i);
      }
      return new NdArray(new int[] {strings.length}, null, null, strings, "object");
    }
    throw fail("schema.json has a numpy array of unknown type " + shown(type)
        + " (skops writes 'numpy' or 'json')");
  }

  private SkObject object(JsonNode state, String module, String cls, int depth) {
    if (!module.startsWith("sklearn.") || !ESTIMATORS.contains(cls)) {
      throw refused(module, cls, "ObjectNode");
    }
    JsonNode content = state.get("content");
    Map<String, Object> attrs = Map.of();
    if (content != null && !content.isNull()) {
      Object a = node(content, depth + 1);
      if (!(a instanceof Map)) {
        throw fail("schema.json has " + module + "." + cls + " whose state is not a dict");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) a;
      attrs = m;
    }
    return new SkObject(module, cls, attrs);
  }

  private Model2VecException refused(String module, String cls, String loader) {
    return fail("holds " + module + "." + cls + " (" + loader + "), which is not supported: "
        + "a pipeline head may be a Pipeline of StandardScaler / Normalizer steps and an "
        + "MLPClassifier, MLPRegressor or LogisticRegression (refused, never evaluated)");
  }

  private String text(JsonNode state, String key) {
    JsonNode v = state.get(key);
    if (v == null || !v.isTextual()) {
      throw fail("schema.json has a node without a string " + key + ": "
          + shown(state.toString()));
    }
    return v.asText();
  }

  private void expect(String module, String cls, String wantModule, String wantCls,
      String loader) {
    if (!module.equals(wantModule) || !cls.equals(wantCls)) {
      throw fail("holds " + module + "." + cls + " (" + loader + "), which is not a plain "
          + wantCls + ": refused, never evaluated");
    }
  }

  private Model2VecException fail(String what) {
    return new Model2VecException(where + " " + what);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String shown(String s) {
    String one = s.replaceAll("[\\x00-\\x1f\\x7f]", "?");
    return one.length() > 100 ? one.substring(0, 100) + "..." : one;
  }
}
