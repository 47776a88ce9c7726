package io.model2vec.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * The output row of the enrichment commands (bin/model2vec encode, bin/flink-enrich): the input
 * object exactly as written (numbers, escapes, key order and the whitespace inside it stay as
 * they are), without any old {@code "embedding"} field, with {@code "embedding"}: the vector or
 * null added as its last field.
 *
 * <p>{@link #parse} checks the whole line with Jackson's streaming parser (one JSON object and
 * nothing else) and notes where the object's fields start and where it closes; the row is then
 * the line's own text with the new field spliced in before the closing brace. Nothing is decoded
 * into numbers or re-encoded, so {@code 1e999999999} stays {@code 1e999999999} and an unpaired
 * surrogate escape such as {@code "\ud800"} stays those six characters.
 */
public final class EnrichedJson {
  // The line is only validated and scanned, never materialized, so Jackson's default limits on
  // string, number and name lengths and on nesting would reject valid rows for no gain; the
  // line length (--max-line-bytes) is what bounds memory.
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(Integer.MAX_VALUE)
          .maxNumberLength(Integer.MAX_VALUE)
          .maxNameLength(Integer.MAX_VALUE)
          .maxNestingDepth(Integer.MAX_VALUE)
          .build())
      .build();
  private static final String FIELD = "embedding";
  private static final Set<String> OUTPUT = Set.of(FIELD);
  private static final int[] NO_CUTS = new int[0];

  private final String line;
  private final String text;
  private final int start;
  private final int close;
  private final int[] cuts;
  private final boolean comma;

  private EnrichedJson(String line, String text, int start, int close, int[] cuts,
      boolean comma) {
    this.line = line;
    this.text = text;
    this.start = start;
    this.close = close;
    this.cuts = cuts;
    this.comma = comma;
  }

  /**
   * Checks that {@code line} is one JSON object and nothing else, and reads its text field: a
   * string, or null when the field is missing or null. A bad line is an
   * {@link IllegalArgumentException} whose message says what is wrong (without the line number,
   * which the caller knows). When there are several fields of that name, the last one counts,
   * as it does for Jackson's tree model.
   */
  public static EnrichedJson parse(String line, String textField) {
    return parse(line, textField, OUTPUT);
  }

  /**
   * {@link #parse(String, String)} for a command that adds the fields {@code outputFields}
   * ({@code classify}: label, proba, ...): old fields of those names are dropped from the row.
   */
  public static EnrichedJson parse(String line, String textField, Set<String> outputFields) {
    String text = null;
    int[] cuts = NO_CUTS;
    int nCuts = 0;
    int fields = 0;
    int pendingCut = -1; // an old "embedding" field: cut from its name to the next field's
    try (JsonParser p = JSON.createParser(line)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(t == null ? "no JSON value"
            : "not a JSON object (" + kind(t) + ")");
      }
      int start = offset(p);
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        int at = offset(p);
        if (pendingCut >= 0) {
          cuts = add(cuts, nCuts, pendingCut, at);
          nCuts += 2;
          pendingCut = -1;
        }
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals(textField)) {
          if (value == JsonToken.VALUE_STRING) {
            text = p.getText();
          } else if (value == JsonToken.VALUE_NULL) {
            text = null;
          } else {
            throw new IllegalArgumentException("field '" + textField + "' is " + kind(value)
                + ", expected a string");
          }
        } else {
          p.skipChildren();
        }
        if (outputFields.contains(name)) {
          pendingCut = at;
        }
        fields++;
      }
      int close = offset(p); // t is END_OBJECT: a bad token would have thrown
      boolean lastWasEmbedding = pendingCut >= 0;
      if (lastWasEmbedding) {
        // the last field was an old embedding: cut it up to the brace, keep the comma before it
        cuts = add(cuts, nCuts, pendingCut, close);
        nCuts += 2;
      }
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("more than one JSON value on the line");
      }
      return new EnrichedJson(line, text, start, close, Arrays.copyOf(cuts, nCuts),
          !lastWasEmbedding && fields > 0);
    } catch (JsonProcessingException e) {
      throw new SyntaxError("not valid JSON (column "
          + e.getLocation().getColumnNr() + ": " + oneLine(e.getOriginalMessage()) + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a String source does no I/O
    }
  }

  /** A line that is not JSON at all (as opposed to JSON of the wrong shape). */
  public static final class SyntaxError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SyntaxError(String message) {
      super(message);
    }
  }

  /** The row of a plain text line: {@code {"text": <the line>, "embedding": ...}}. */
  public static EnrichedJson ofText(String text) {
    String line = "{\"text\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text))
        + "\"}";
    return new EnrichedJson(line, text, 0, line.length() - 1, NO_CUTS, true);
  }

  /** The text to embed: the text field's string, or null when it is missing or null. */
  public String text() {
    return text;
  }

  /** The number of chars of the input line (a cost estimate for batching). */
  public int size() {
    return line.length();
  }

  /** Appends the output row (without newline) for {@code vector} (null gives null). */
  public void appendTo(StringBuilder out, float[] vector) {
    appendOpen(out);
    out.append("\"embedding\":");
    appendVector(out, vector);
    out.append('}');
  }

  /**
   * Appends the row without its output fields and closing brace, and a comma when fields come
   * before: the caller appends its own output fields (at least one) and the brace.
   */
  public void appendOpen(StringBuilder out) {
    int from = start;
    for (int i = 0; i < cuts.length; i += 2) {
      out.append(line, from, cuts[i]);
      from = cuts[i + 1];
    }
    out.append(line, from, close);
    if (comma) {
      out.append(',');
    }
  }

  /** The output row (without newline) for {@code vector}. */
  public String withEmbedding(float[] vector) {
    StringBuilder out = new StringBuilder(close - start + 16
        + (vector == null ? 4 : vector.length * 14));
    appendTo(out, vector);
    return out.toString();
  }

  // As Jackson's generator writes floats: Float.toString, non-finite values as quoted strings.
  private static void appendVector(StringBuilder out, float[] vector) {
    if (vector == null) {
      out.append("null");
      return;
    }
    out.append('[');
    for (int i = 0; i < vector.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      float x = vector[i];
      if (Float.isFinite(x)) {
        out.append(x);
      } else {
        out.append('"').append(x).append('"');
      }
    }
    out.append(']');
  }

  private static int offset(JsonParser p) {
    return (int) p.currentTokenLocation().getCharOffset();
  }

  private static int[] add(int[] cuts, int n, int from, int to) {
    int[] c = n + 2 > cuts.length ? Arrays.copyOf(cuts, Math.max(4, cuts.length * 2)) : cuts;
    c[n] = from;
    c[n + 1] = to;
    return c;
  }

  private static String kind(JsonToken t) {
    switch (t) {
      case START_OBJECT: return "object";
      case START_ARRAY: return "array";
      case VALUE_STRING: return "string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT: return "number";
      case VALUE_TRUE:
      case VALUE_FALSE: return "boolean";
      default: return t.name().toLowerCase(Locale.ROOT);
    }
  }

  // Jackson's messages may span lines and name their source ("[Source: REDACTED ...; line: 1,
  // column: 5]"); the line is known, the column is what helps.
  private static final java.util.regex.Pattern SOURCE =
      java.util.regex.Pattern.compile("\\[Source: .*?; line: \\d+, column: (\\d+)\\]");

  static String oneLine(String s) {
    return s == null ? "" : SOURCE.matcher(s.replaceAll("[\\r\\n]+", " ")).replaceAll("column $1");
  }
}
