package io.model2vec.distill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.Model2VecException;
import io.model2vec.TokenizerMetadata;
import java.util.Iterator;
import java.util.Map;

/** What distillation needs of a {@code tokenizer.json}: the id range, the padding id. */
final class Vocabulary {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String source;
  private final JsonNode root;
  /** One past the largest id (model vocabulary and added tokens): the rows to distill. */
  final int size;

  private Vocabulary(String source, JsonNode root, int size) {
    this.source = source;
    this.root = root;
    this.size = size;
  }

  static Vocabulary parse(String json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new Model2VecException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
    // the core's reader: distillation covers exactly the ids the encoder can produce
    int size = TokenizerMetadata.of(json, source).vocabularySize();
    return new Vocabulary(source, root, size);
  }

  /** The id padding uses: {@code padding.pad_id}, else the id of [PAD] / &lt;pad&gt;, else 0. */
  long padId() {
    JsonNode p = root.path("padding").get("pad_id");
    if (p != null && p.canConvertToInt()) {
      return p.asInt();
    }
    for (JsonNode t : root.path("added_tokens")) {
      String c = t.path("content").asText();
      if (c.equals("[PAD]") || c.equals("<pad>")) {
        return t.path("id").asInt();
      }
    }
    return 0;
  }

  /**
   * The tokenizer restricted to ids {@code < n} (for distilling a slice of the vocabulary, in
   * tests): WordPiece/WordLevel vocabularies only, whose remaining tokens keep their ids, so the
   * result is a consistent tokenizer (dropped words become the unknown token). Fails when a
   * special token or the unknown token would be dropped.
   */
  String restrictedTo(int n) {
    ObjectNode copy = root.deepCopy();
    ObjectNode model = (ObjectNode) copy.get("model");
    String type = model.path("type").asText("");
    if (!(type.equals("WordPiece") || type.equals("WordLevel")) || !model.get("vocab").isObject()) {
      throw new IllegalArgumentException("a vocabulary limit needs a WordPiece or WordLevel "
          + "tokenizer, " + source + " has model type '" + type + "'");
    }
    ObjectNode vocab = (ObjectNode) model.get("vocab");
    ObjectNode kept = JSON.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().asInt() < n) {
        kept.set(e.getKey(), e.getValue());
      }
    }
    model.set("vocab", kept);
    String unk = model.path("unk_token").asText(null);
    if (unk != null && !kept.has(unk)) {
      throw new IllegalArgumentException("vocabulary limit " + n + " would drop the unknown token '"
          + unk + "' of " + source);
    }
    ArrayNode added = JSON.createArrayNode();
    for (JsonNode t : copy.path("added_tokens")) {
      int id = t.path("id").asInt();
      if (id < n) {
        added.add(t);
      } else if (t.path("special").asBoolean(false)) {
        throw new IllegalArgumentException("vocabulary limit " + n + " would drop the special token "
            + t.path("content").asText() + " (id " + id + ") of " + source);
      }
    }
    copy.set("added_tokens", added);
    return copy.toString();
  }
}
