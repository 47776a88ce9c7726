package io.model2vec.flink.jobs;

import io.model2vec.app.BadLineOptions;
import io.model2vec.app.EnrichedJson;
import io.model2vec.flink.EmbeddingMapFunction;
import java.util.Objects;

/**
 * The text extractor and the combiner of {@code flink-enrich} in one object: a numbered JSONL
 * line in, the same object, as written, with an added {@code "embedding": [floats]} out (the
 * shared writer of {@code model2vec encode}, {@link EnrichedJson}). Records stay {@code String}s
 * after it, so Flink never needs Kryo for them.
 *
 * <p>A bad line (not exactly one JSON object, not UTF-8, too long, a text field that is not a
 * string, a last line cut short) fails the job with its file and line number, or, when bad lines
 * are skipped, is not embedded and comes out as a reject record (JSON with "file", "line",
 * "reason" and "raw" or "raw_base64") behind a {@link #REJECT} char, which a later operator
 * routes away from the output.
 *
 * <p>The line checked for the text is kept for the combiner, which the map function calls right
 * after on the same thread with the same record; an identity check makes any other call order
 * still correct, only slower.
 */
final class JsonLineEnricher implements EmbeddingMapFunction.TextExtractor<NumberedLine>,
    EmbeddingMapFunction.Combiner<NumberedLine, String> {
  /** First char of a reject record; an output row starts with '{'. */
  static final char REJECT = '\0';
  private static final long serialVersionUID = 1L;

  private final String field;
  private final boolean skipBadLines;
  private transient NumberedLine last;
  private transient EnrichedJson lastRow;

  JsonLineEnricher(String field, boolean skipBadLines) {
    this.field = Objects.requireNonNull(field, "field must not be null");
    this.skipBadLines = skipBadLines;
  }

  @Override
  public String text(NumberedLine line) {
    EnrichedJson row = parsed(line);
    return row == null ? null : row.text();
  }

  @Override
  public String combine(NumberedLine line, float[] vector) {
    EnrichedJson row = parsed(line);
    last = null;
    lastRow = null;
    return row == null ? REJECT + reject(line) : row.withEmbedding(vector);
  }

  /** The checked row, or null for a bad line that is skipped. */
  private EnrichedJson parsed(NumberedLine line) {
    if (line == last) {
      return lastRow;
    }
    EnrichedJson row = null;
    if (line.error == null) {
      try {
        row = EnrichedJson.parse(line.text, field);
      } catch (EnrichedJson.SyntaxError e) {
        line.error = line.unterminated ? BadLineOptions.cutShort(e.getMessage()) : e.getMessage();
      } catch (IllegalArgumentException e) {
        line.error = e.getMessage();
      }
    }
    if (row == null && !skipBadLines) {
      throw new IllegalArgumentException(line.where() + ": " + line.error);
    }
    last = line;
    lastRow = row;
    return row;
  }

  private static String reject(NumberedLine line) {
    // a too long line keeps no bytes (raw is null): the reason says how long it was
    return BadLineOptions.reject(line.file, line.line, line.error, line.text, line.raw, -1);
  }
}
