package io.model2vec.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Reads JSON into the same {@link JsonNode} tree as {@code new ObjectMapper().readTree(text)},
 * with Jackson's streaming parser and node factory only.
 *
 * <p>Why: loading a model reads three JSON files, and on a fresh JVM creating an
 * {@code ObjectMapper} class-loads and initializes Jackson's whole (de)serializer machinery
 * (date formats, locales, hundreds of classes): 0.5-1 s of the built-in model's cold load, for
 * trees this class builds directly. Same result as {@code readTree}: the first value (trailing
 * content ignored), {@link MissingNode} for empty input, a repeated key keeps its first position
 * and takes its last value, integers as int/long/BigInteger nodes, other numbers as doubles, and
 * the parser's limits (nesting depth, string and number length).
 *
 * <p>Internal: not part of the public API; may change without notice. (Public for the core in
 * {@code io.model2vec}.)
 */
public final class JsonTree {
  // Field names are not interned: a tokenizer.json's vocabulary is one object of ~30k-250k keys
  // that are never compared by identity, and String.intern() of each is wasted time.
  private static final JsonFactory FACTORY =
      JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTree() {}

  /** The tree of {@code text}; {@link MissingNode} if it holds no value. */
  public static JsonNode parse(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken t = p.nextToken();
      return t == null ? MissingNode.getInstance() : value(p, t);
    }
  }

  /** An empty object node (what a missing config reads as). */
  public static ObjectNode emptyObject() {
    return NODES.objectNode();
  }

  private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
    if (t == null) { // the parser reports a truncated text itself; this is a safety net
      throw new IOException("unexpected end of input at " + p.currentLocation());
    }
    switch (t) {
      case START_OBJECT: {
        ObjectNode o = NODES.objectNode();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          o.replace(name, value(p, p.nextToken()));
        }
        return o;
      }
      case START_ARRAY: {
        ArrayNode a = NODES.arrayNode();
        for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
          a.add(value(p, v));
        }
        return a;
      }
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDoubleValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        // a JSON text parser yields no other token where a value starts
        throw new IOException("unexpected token " + t + " at " + p.currentLocation());
    }
  }
}
