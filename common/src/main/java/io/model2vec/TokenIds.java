package io.model2vec;

import com.fasterxml.jackson.databind.JsonNode;
import io.model2vec.tokenizer.IdBuffer;
import io.model2vec.tokenizer.TokenIdEncoder;
import io.model2vec.tokenizer.TokenizerInfo;
import io.model2vec.tokenizer.Tokenizers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The encoder's tokenizer, for tools that feed a teacher model (distillation, featurize): the ids
 * of a text without special tokens, from the same implementation {@code encode} uses (pure Java
 * where proven identical to the HuggingFace library, the library otherwise), and the special
 * tokens that the {@code tokenizer.json}'s post-processor puts around one sequence
 * ({@code [CLS] ... [SEP]} for BERT). Thread-safe.
 */
public final class TokenIds implements AutoCloseable {
  private final TokenIdEncoder encoder;
  private final int[] prefix;
  private final int[] suffix;
  private final ThreadLocal<IdBuffer> buffers = ThreadLocal.withInitial(() -> new IdBuffer(256));

  private TokenIds(TokenIdEncoder encoder, int[] prefix, int[] suffix) {
    this.encoder = encoder;
    this.prefix = prefix;
    this.suffix = suffix;
  }

  /** Reads {@code tokenizerJson}; {@code source} names it in error messages. */
  public static TokenIds of(String tokenizerJson, String source) {
    TokenizerInfo info = TokenizerInfo.parse(tokenizerJson, source);
    List<Integer> before = new ArrayList<>();
    List<Integer> after = new ArrayList<>();
    specials(info.root.get("post_processor"), source, before, after);
    return new TokenIds(Tokenizers.create(tokenizerJson, info, source), toArray(before),
        toArray(after));
  }

  /** The ids of {@code text} without special tokens, not truncated. */
  public int[] ids(String text) {
    IdBuffer buf = buffers.get();
    encoder.encode(text, buf);
    return Arrays.copyOf(buf.ids, buf.size);
  }

  /** The special tokens before one sequence (e.g. {@code [CLS]}). */
  public int[] prefix() {
    return prefix.clone();
  }

  /** The special tokens after one sequence (e.g. {@code [SEP]}). */
  public int[] suffix() {
    return suffix.clone();
  }

  /** Which implementation tokenizes: {@code java-wordpiece}, {@code java-unigram} or {@code native}. */
  public String implementation() {
    return encoder.name();
  }

  @Override
  public void close() {
    encoder.close();
  }

  /**
   * The special-token ids of a single sequence from the post-processor: {@code TemplateProcessing}
   * (its {@code single} template), {@code BertProcessing} / {@code RobertaProcessing}
   * ({@code cls}, {@code sep}), the first of those inside a {@code Sequence}, or none.
   */
  private static void specials(JsonNode pp, String source, List<Integer> before,
      List<Integer> after) {
    if (pp == null || pp.isNull()) {
      return;
    }
    String type = pp.path("type").asText("");
    switch (type) {
      case "TemplateProcessing": {
        boolean seen = false;
        for (JsonNode piece : pp.path("single")) {
          if (piece.has("Sequence")) {
            seen = true;
            continue;
          }
          String name = piece.path("SpecialToken").path("id").asText(null);
          JsonNode ids = pp.path("special_tokens").path(name == null ? "" : name).path("ids");
          if (name == null || !ids.isArray() || ids.isEmpty()) {
            throw new Model2VecException(source + ": post_processor TemplateProcessing names "
                + "special token " + name + " without ids in special_tokens");
          }
          for (JsonNode id : ids) {
            (seen ? after : before).add(id.asInt());
          }
        }
        return;
      }
      case "BertProcessing":
      case "RobertaProcessing":
        before.add(pp.path("cls").path(1).asInt());
        after.add(pp.path("sep").path(1).asInt());
        return;
      case "Sequence":
        for (JsonNode p : pp.path("processors")) {
          String t = p.path("type").asText("");
          if (t.equals("TemplateProcessing") || t.equals("BertProcessing")
              || t.equals("RobertaProcessing")) {
            specials(p, source, before, after);
            return;
          }
        }
        return;
      case "ByteLevel":
        return;
      default:
        throw new Model2VecException(source + ": post_processor type '" + type + "' is not "
            + "supported (TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, "
            + "Sequence)");
    }
  }

  private static int[] toArray(List<Integer> list) {
    return list.stream().mapToInt(Integer::intValue).toArray();
  }
}
