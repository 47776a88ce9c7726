package io.model2vec.examples.flink;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.examples.cli.EnrichedJson;
import io.model2vec.flink.EmbeddingMapFunction;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Objects;

/**
 * The text extractor and the combiner of {@code flink-enrich} in one object: a JSONL line in, the
 * same object with an added {@code "embedding": [floats]} out (as {@code model2vec encode} writes
 * it). Records stay {@code String}s between operators, so Flink never needs Kryo for them.
 *
 * <p>The line parsed for the text is kept for the combiner, which the map function calls right
 * after on the same thread with the same line; an identity check makes any other call order
 * still correct, only slower.
 */
final class JsonLineEnricher implements EmbeddingMapFunction.TextExtractor<String>,
    EmbeddingMapFunction.Combiner<String, String> {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String field;
  private transient String lastLine;
  private transient ObjectNode lastNode;

  JsonLineEnricher(String field) {
    this.field = Objects.requireNonNull(field, "field must not be null");
  }

  @Override
  public String text(String line) {
    ObjectNode row = parsed(line);
    JsonNode value = row.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' is "
          + value.getNodeType().toString().toLowerCase(Locale.ROOT) + ", expected a string, in "
          + "input line " + excerpt(line));
    }
    return value.asText();
  }

  @Override
  public String combine(String line, float[] vector) {
    ObjectNode row = parsed(line);
    lastLine = null;
    lastNode = null;
    StringWriter out = new StringWriter(64 + (vector == null ? 0 : vector.length * 14));
    try (JsonGenerator gen = JSON.getFactory().createGenerator(out)) {
      EnrichedJson.write(JSON, gen, row, vector);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private ObjectNode parsed(String line) {
    if (line == lastLine && lastNode != null) {
      return lastNode;
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("input line is not valid JSON (" + e.getOriginalMessage()
          + "): " + excerpt(line));
    }
    if (!(node instanceof ObjectNode)) {
      throw new IllegalArgumentException("input line is not a JSON object: " + excerpt(line));
    }
    lastLine = line;
    lastNode = (ObjectNode) node;
    return lastNode;
  }

  private static String excerpt(String line) {
    return line.length() <= 80 ? line : line.substring(0, 80) + "...";
  }
}
