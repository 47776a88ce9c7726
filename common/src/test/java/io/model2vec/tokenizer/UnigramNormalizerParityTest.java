package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.Fixtures;
import io.model2vec.MultilingualTexts;
import io.model2vec.ParityTexts;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every implemented normalizer against the native library, code point by code point: a Unigram
 * tokenizer whose vocabulary holds only the 256 byte pieces makes every text one unknown run, so
 * the ids ARE the UTF-8 bytes of the normalized text. Also the {@code Precompiled} normalizer
 * with a SentencePiece charsmap built here (darts-clone layout) from the JVM's NFKC plus
 * multi-character keys and deletions: grapheme clusters, the shortest-prefix rule and per-char
 * lookups as the library applies them, on the byte vocabulary and on the fixture's vocabulary.
 */
class UnigramNormalizerParityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void noTelemetry() {
    System.setProperty("OPT_OUT_TRACKING", "true");
  }

  /** Every code point (surrogates aside), 64 to a text, between letters and spaces. */
  static List<String> everyCodePoint() {
    List<String> out = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    int k = 0;
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      if (cp >= 0xD800 && cp <= 0xDFFF) {
        continue;
      }
      sb.append(k % 3 == 0 ? "a" : k % 3 == 1 ? " " : "").appendCodePoint(cp);
      if (++k % 64 == 0) {
        out.add(sb.append('b').toString());
        sb.setLength(0);
      }
    }
    out.add(sb.toString());
    // each code point alone at the start and the end of a text (Strip, Metaspace)
    for (int cp = 0; cp < 0x3100; cp += 7) {
      if (cp < 0xD800 || cp > 0xDFFF) {
        out.add(new String(Character.toChars(cp)) + "x" + new String(Character.toChars(cp)));
      }
    }
    return out;
  }

  @Test
  void everyNormalizerOnEveryCodePoint() throws Exception {
    List<String> texts = everyCodePoint();
    texts.addAll(MultilingualTexts.generate(5000, 31));
    Map<String, ObjectNode> normalizers = new LinkedHashMap<>();
    normalizers.put("BertNormalizer", bert(true, true, null, true));
    normalizers.put("BertNormalizer without accents stripping", bert(true, false, false, true));
    normalizers.put("BertNormalizer, case kept", bert(false, true, null, false));
    normalizers.put("Nmt", type("Nmt"));
    normalizers.put("NFKC", type("NFKC"));
    normalizers.put("NFC", type("NFC"));
    normalizers.put("Lowercase", type("Lowercase"));
    normalizers.put("Strip", type("Strip").put("strip_left", true).put("strip_right", true));
    normalizers.put("Replace \\s+", UnigramTokenizerParityTest.replaceRegex("\\s+", "_"));
    normalizers.put("Replace ' {2,}'", UnigramTokenizerParityTest.replaceRegex(" {2,}", " "));
    for (Map.Entry<String, ObjectNode> e : normalizers.entrySet()) {
      // texts with code points of other Unicode versions or stacked marks go native
      UnigramTokenizerParityTest.compare(e.getKey(), byteVocabulary(e.getValue()), texts, 0.6);
    }
  }

  @Test
  void precompiledCharsmap() throws Exception {
    String charsmap = charsmap();
    ObjectNode pre = JSON.createObjectNode().put("type", "Precompiled")
        .put("precompiled_charsmap", charsmap);
    List<String> texts = everyCodePoint();
    texts.addAll(MultilingualTexts.generate(10000, 32));
    texts.addAll(ParityTexts.generate(5000, 33));
    // clusters whose first character alone is a key: the library drops the rest of the cluster
    texts.addAll(List.of("\uff45\u0301", "\uff21\u0308x", "e\u0301", "\r\n", "\r\n\r\n",
        "\u1100\u1161", "\u1100\u1161\u11a8", "\ufb01\u0301", "\u00bd\u0301", "x\u200by",
        "\ud835\udc00\u0301", "\ud83c\uddeb\ud83c\uddf7", "\u0915\u094d\u0937", "\u2460\u20dd"));
    UnigramTokenizerParityTest.compare("Precompiled, byte vocabulary", byteVocabulary(pre), texts,
        0.6);

    // as XLM-R / T5 tokenizers use it: with a ' {2,}' Replace, Metaspace, on a real vocabulary
    ObjectNode root = (ObjectNode) JSON.readTree(Files.readString(
        Fixtures.model("test-model-vocab-quantized").resolve("tokenizer.json")));
    root.set("normalizer", UnigramTokenizerParityTest.sequence(pre,
        UnigramTokenizerParityTest.replaceRegex(" {2,}", " ")));
    ((ObjectNode) root.get("pre_tokenizer")).put("split", true);
    UnigramTokenizerParityTest.compare("Precompiled, fixture vocabulary",
        JSON.writeValueAsString(root), texts, 0.6);
  }

  @Test
  void malformedCharsmapsAreRejectedWithAReason() {
    for (String bad : new String[] {"not base64!", "AAAA", "////"}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> PrecompiledCharsmap.decode(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("precompiled_charsmap");
    }
  }

  private static ObjectNode bert(boolean clean, boolean chinese, Boolean strip, boolean lower) {
    ObjectNode n = JSON.createObjectNode().put("type", "BertNormalizer").put("clean_text", clean)
        .put("handle_chinese_chars", chinese).put("lowercase", lower);
    if (strip == null) {
      n.putNull("strip_accents");
    } else {
      n.put("strip_accents", strip);
    }
    return n;
  }

  private static ObjectNode type(String t) {
    return JSON.createObjectNode().put("type", t);
  }

  /** A Unigram tokenizer.json with only the byte pieces: its ids spell the normalized bytes. */
  static String byteVocabulary(ObjectNode normalizer) throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    root.putArray("added_tokens");
    root.set("normalizer", normalizer);
    root.putNull("pre_tokenizer");
    root.putNull("post_processor");
    root.putNull("decoder");
    ObjectNode model = root.putObject("model");
    model.put("type", "Unigram");
    model.put("unk_id", 0);
    model.put("byte_fallback", true);
    ArrayNode vocab = model.putArray("vocab");
    vocab.addArray().add("<unk>").add(0.0);
    for (int b = 0; b < 256; b++) {
      vocab.addArray().add(String.format("<0x%02X>", b)).add(-1.0);
    }
    return JSON.writeValueAsString(root);
  }

  /**
   * A charsmap in SentencePiece's format: the JVM's NFKC of every BMP and SMP code point it
   * changes, deletions, and multi-character keys.
   */
  static String charsmap() {
    Map<String, String> map = new TreeMap<>();
    for (int cp = 0; cp < 0x20000; cp++) {
      if ((cp >= 0xD800 && cp <= 0xDFFF) || Character.getType(cp) == Character.UNASSIGNED) {
        continue;
      }
      String s = new String(Character.toChars(cp));
      String n = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKC);
      if (!n.equals(s)) {
        map.put(s, n);
      }
    }
    map.put("\u200b", "");
    map.put("\u00ad", "");
    map.put("\t", " ");
    map.put("\n", " ");
    map.put("\r\n", " ");
    map.put("e\u0301", "\u00e9");
    map.put("\u1100\u1161", "\uac00");
    map.put("A", "a");
    return encode(map);
  }

  /** Builds the darts-clone double array of {@code map}'s UTF-8 keys and the value blob. */
  static String encode(Map<String, String> map) {
    final class Node {
      final TreeMap<Integer, Node> children = new TreeMap<>();
      int value = -1;
      int pos;
    }
    Node root = new Node();
    ByteArrayOutputStream blob = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : map.entrySet()) {
      Node n = root;
      for (byte b : e.getKey().getBytes(StandardCharsets.UTF_8)) {
        n = n.children.computeIfAbsent(b & 0xFF, k -> new Node());
      }
      n.value = blob.size();
      byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
      blob.write(v, 0, v.length);
      blob.write(0);
    }
    int[] units = new int[1 << 16];
    BitSet used = new BitSet();
    used.set(0);
    ArrayDeque<Node> queue = new ArrayDeque<>();
    queue.add(root);
    int firstBlock = 1;
    int size = 1;
    while (!queue.isEmpty()) {
      Node n = queue.poll();
      if (n.children.isEmpty() && n.value < 0) {
        continue;
      }
      int base;
      for (int block = firstBlock; ; block++) {
        base = block << 8;
        boolean free = n.value < 0 || !used.get(base);
        for (int c : n.children.keySet()) {
          free &= !used.get(base | c);
        }
        if (free) {
          break;
        }
      }
      while (used.get(firstBlock << 8) && used.get((firstBlock << 8) | 0xFF)) {
        firstBlock++;
      }
      int offset = n.pos ^ base;
      assertThat(offset).isLessThan(1 << 21);
      if (units.length < base + 256) {
        units = java.util.Arrays.copyOf(units, Math.max(units.length * 2, base + 256));
      }
      units[n.pos] |= offset << 10 | (n.value >= 0 ? 1 << 8 : 0);
      if (n.value >= 0) {
        units[base] = n.value | 1 << 31;
        used.set(base);
      }
      for (Map.Entry<Integer, Node> c : n.children.entrySet()) {
        int p = base | c.getKey();
        used.set(p);
        units[p] = c.getKey();
        c.getValue().pos = p;
        queue.add(c.getValue());
      }
      size = Math.max(size, base + 256);
    }
    ByteBuffer out = ByteBuffer.allocate(4 + 4 * size + blob.size()).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(4 * size);
    for (int i = 0; i < size; i++) {
      out.putInt(units[i]);
    }
    out.put(blob.toByteArray());
    return Base64.getEncoder().encodeToString(out.array());
  }
}
