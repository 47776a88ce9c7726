package io.model2vec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The corpora of the benchmarks: read from JSONL or text, and reshaped by --derive. */
class CorpusTest {
  @TempDir
  Path tmp;

  @Test
  void derivedCorpora() {
    List<String> texts = List.of("Short one. Then more text follows here!", "x".repeat(500),
        "A first sentence that is long enough. And a second sentence.");
    assertThat(Derive.short_.apply(texts, 10)).containsExactly(
        "Short one. Then more text follows here!", "x".repeat(110),
        "A first sentence that is long enough.");
    List<String> docs = Derive.long_.apply(texts, 3);
    assertThat(docs).isNotEmpty().allSatisfy(d -> assertThat(d.length()).isGreaterThanOrEqualTo(1200));
    assertThatThrownBy(() -> Derive.parse("medium"))
        .hasMessage("--derive must be as-is, short or long, was medium");
  }

  @Test
  void textsOfAFieldOrEveryLine() throws Exception {
    Path f = Files.writeString(tmp.resolve("c.jsonl"),
        "{\"text\": \"a\"}\n\n{\"text\": 1}\n{\"other\": \"b\"}\n{\"text\": \"c\"}\n");
    assertThat(Corpus.texts(f, "text")).containsExactly("a", "c");
    assertThat(Corpus.texts(f, null)).hasSize(5);
    assertThatThrownBy(() -> Corpus.texts(f, "none"))
        .hasMessage(f + " holds no texts in field 'none'");
    Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "{\"text\": \"a\"}\n{oops\n");
    assertThatThrownBy(() -> Corpus.texts(bad, "text"))
        .hasMessage(bad + " line 2 is not valid JSON");
  }
}
