package io.model2vec.examples.flink;

import io.model2vec.examples.cli.EnrichedJson;
import io.model2vec.flink.EmbeddingMapFunction;
import java.util.Objects;

/**
 * The text extractor and the combiner of {@code flink-enrich} in one object: a JSONL line in, the
 * same object, as written, with an added {@code "embedding": [floats]} out (the shared writer of
 * {@code model2vec encode}, {@link EnrichedJson}). Records stay {@code String}s between
 * operators, so Flink never needs Kryo for them.
 *
 * <p>The line checked for the text is kept for the combiner, which the map function calls right
 * after on the same thread with the same line; an identity check makes any other call order
 * still correct, only slower.
 */
final class JsonLineEnricher implements EmbeddingMapFunction.TextExtractor<String>,
    EmbeddingMapFunction.Combiner<String, String> {
  private static final long serialVersionUID = 1L;

  private final String field;
  private transient String lastLine;
  private transient EnrichedJson lastRow;

  JsonLineEnricher(String field) {
    this.field = Objects.requireNonNull(field, "field must not be null");
  }

  @Override
  public String text(String line) {
    return parsed(line).text();
  }

  @Override
  public String combine(String line, float[] vector) {
    EnrichedJson row = parsed(line);
    lastLine = null;
    lastRow = null;
    return row.withEmbedding(vector);
  }

  private EnrichedJson parsed(String line) {
    if (line == lastLine && lastRow != null) {
      return lastRow;
    }
    try {
      lastRow = EnrichedJson.parse(line, field);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad input line: " + e.getMessage() + ": " + excerpt(line));
    }
    lastLine = line;
    return lastRow;
  }

  private static String excerpt(String line) {
    return line.length() <= 80 ? line : line.substring(0, 80) + "...";
  }
}
