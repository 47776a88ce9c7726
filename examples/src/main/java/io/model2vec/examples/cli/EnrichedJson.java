package io.model2vec.examples.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The output row of the enrichment commands (bin/model2vec encode, bin/flink-enrich): every field
 * of the input object but an old {@code "embedding"}, in order, then {@code "embedding"}: the
 * vector, or null.
 */
public final class EnrichedJson {
  private EnrichedJson() {}

  public static void write(ObjectMapper json, JsonGenerator gen, ObjectNode row, float[] vector)
      throws IOException {
    gen.writeStartObject();
    for (var e : row.properties()) {
      if (!e.getKey().equals("embedding")) {
        gen.writeFieldName(e.getKey());
        json.writeTree(gen, e.getValue());
      }
    }
    gen.writeFieldName("embedding");
    if (vector == null) {
      gen.writeNull();
    } else {
      gen.writeStartArray(vector, vector.length);
      for (float x : vector) {
        gen.writeNumber(x);
      }
      gen.writeEndArray();
    }
    gen.writeEndObject();
  }
}
