package io.model2vec.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** JsonTree builds the tree ObjectMapper.readTree builds, node types and key order included. */
class JsonTreeTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void sameTreeAsObjectMapperForEdgeCases() throws IOException {
    String[] texts = {
      "{\"a\":1,\"b\":[true,false,null,\"s\\u00e9\"],\"c\":{\"d\":-2.5e3}}",
      "{\"int\":2147483647,\"long\":2147483648,\"big\":123456789012345678901234567890}",
      "{\"x\":1,\"y\":2,\"x\":3}", // a repeated key: first position, last value
      "[1, 1.0, -0, \"\", [], {}]",
      "\"text\"", "42", "null", "  {\"a\":1}  trailing",
    };
    for (String t : texts) {
      JsonNode ours = JsonTree.parse(t);
      JsonNode theirs = MAPPER.readTree(t);
      assertThat(ours).as(t).isEqualTo(theirs);
      assertThat(ours.toString()).as(t).isEqualTo(theirs.toString());
      assertThat(types(ours)).as(t).isEqualTo(types(theirs));
    }
    assertThat(JsonTree.parse("").isMissingNode()).isTrue();
    assertThat(JsonTree.parse("   ").isMissingNode()).isTrue();
  }

  @Test
  void sameTreeAsObjectMapperForEveryFixtureJson() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(Fixtures.testdata())) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.UTF_8);
      JsonNode theirs;
      try {
        theirs = MAPPER.readTree(text);
      } catch (IOException e) {
        assertThatThrownBy(() -> JsonTree.parse(text)).as(f.toString()).isInstanceOf(IOException.class);
        continue;
      }
      JsonNode ours = JsonTree.parse(text);
      assertThat(ours).as(f.toString()).isEqualTo(theirs);
      assertThat(types(ours)).as(f.toString()).isEqualTo(types(theirs));
    }
  }

  @Test
  void malformedJsonFailsLikeTheParser() {
    for (String bad : new String[] {"{\"a\":", "{\"a\" 1}", "[1,]", "{\"a\":1", "tru"}) {
      assertThatThrownBy(() -> JsonTree.parse(bad)).as(bad).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> MAPPER.readTree(bad)).as(bad).isInstanceOf(IOException.class);
    }
  }

  /** Every node's class and, for objects, keys in order: equals() ignores both. */
  private static List<String> types(JsonNode n) {
    List<String> out = new ArrayList<>();
    walk(n, out);
    return out;
  }

  private static void walk(JsonNode n, List<String> out) {
    out.add(n.getClass().getSimpleName());
    if (n.isObject()) {
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        out.add(k);
        walk(n.get(k), out);
      }
    } else if (n.isArray()) {
      for (JsonNode c : n) {
        walk(c, out);
      }
    }
  }
}
