package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.ModelReference;
import io.model2vec.app.Commands;
import io.model2vec.index.Quantization;
import io.model2vec.index.TestIndexes;
import io.model2vec.index.VectorIndex;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SearchCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static List<String> texts;
  private static Path index;

  @TempDir
  static Path shared;
  @TempDir
  Path tmp;

  @BeforeAll
  static void build() throws Exception {
    texts = Fixtures.fortuneTexts(600);
    index = TestIndexes.build(shared.resolve("idx"), ModelReference.defaultModel(), texts, 3,
        Quantization.NONE);
  }

  @Test
  void jsonlHasOneObjectPerQueryWithHitsAsTheApiFindsThem() throws Exception {
    Path queries = Files.write(tmp.resolve("q.jsonl"), List.of(
        JSON.createObjectNode().put("id", 7).put("text", texts.get(5)).toString(),
        JSON.createObjectNode().put("id", "b").put("text", "the meaning of life").toString()));
    String[] r = run("search", "--index", index.toString(), "--input", queries.toString(), "-k", "4",
        "--format", "jsonl");
    assertThat(r[0]).isEqualTo("0");
    String[] lines = r[1].split("\n");
    assertThat(lines).hasSize(2);
    JsonNode first = JSON.readTree(lines[0]);
    assertThat(first.get("query_id").asInt()).isEqualTo(7);
    assertThat(first.get("query").asText()).isEqualTo(texts.get(5));
    assertThat(first.get("hits")).hasSize(4);
    try (VectorIndex idx = VectorIndex.open(index)) {
      List<VectorIndex.Hit> expected = idx.search(texts.get(5), 4);
      for (int i = 0; i < 4; i++) {
        JsonNode hit = first.get("hits").get(i);
        assertThat(hit.get("id").asText()).isEqualTo(expected.get(i).id());
        assertThat((float) hit.get("score").asDouble()).isEqualTo(expected.get(i).score());
        assertThat(hit.get("text").asText()).isEqualTo(expected.get(i).text());
        assertThat(hit.get("n").asText()).isEqualTo(expected.get(i).id()); // the stored column
      }
    }
    assertThat(JSON.readTree(lines[1]).get("query_id").asText()).isEqualTo("b");
  }

  @Test
  void kIsClampedToTheRowsAndAnEmptyQueryIsAUsageError() throws Exception {
    String[] r = run("search", "--index", index.toString(), "--query", texts.get(3), "-k",
        "2147483647", "--format", "jsonl");
    assertThat(r[0]).isEqualTo("0");
    assertThat(JSON.readTree(r[1]).get("hits")).hasSize(texts.size());
    r = run("search", "--index", index.toString(), "--query", "", "--format", "jsonl");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("--query must not be empty");
    assertThat(r[1]).isEmpty();
    Path queries = Files.write(tmp.resolve("empty.jsonl"), List.of("{\"text\": \"a\"}",
        "{\"text\": \"  \"}"));
    r = run("search", "--index", index.toString(), "--input", queries.toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains(queries + " line 2: the query in 'text' is empty");
  }

  @Test
  void textFormatAndExact() {
    String[] r = run("search", "--index", index.toString(), "--query", texts.get(3), "-k", "2",
        "--exact");
    assertThat(r[0]).isEqualTo("0");
    String[] lines = r[1].split("\n");
    assertThat(lines[0]).startsWith("query: ");
    assertThat(lines[1]).matches("  1  1\\.0000  3  .*");
    // the stored columns, as jsonl has them, on a line under the hit
    assertThat(lines[2]).isEqualTo("       n=3");
    assertThat(lines[3]).startsWith("  2  ");
    assertThat(lines[4]).matches("       n=[0-9]+");
  }

  @Test
  void inputRunsEndWithASummaryOnStandardErrorUnlessQuiet() throws Exception {
    Path queries = Files.write(tmp.resolve("q.jsonl"), List.of("{\"text\": \"rockets\"}",
        "{\"text\": \"the sea\"}", "{\"text\": \"old books\"}"));
    String[] r = run("search", "--index", index.toString(), "--input", queries.toString(), "-k",
        "2", "--format", "jsonl");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1].split("\n")).hasSize(3);
    // off a terminal: no progress line (no \r), just the summary
    assertThat(r[2]).matches("model2vec search: 3 queries, k=2, [0-9.]+ s \\([0-9.,]+ queries/s\\)\n");
    r = run("search", "--index", index.toString(), "--input", queries.toString(), "-k", "2",
        "--quiet");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[2]).isEmpty();
    // the older name of --text-field still works
    Path bodies = Files.write(tmp.resolve("b.jsonl"), List.of("{\"body\": \"rockets\"}"));
    r = run("search", "--index", index.toString(), "--input", bodies.toString(), "--field", "body",
        "-q", "--format", "jsonl");
    assertThat(r[0]).isEqualTo("0");
    assertThat(JSON.readTree(r[1]).get("query").asText()).isEqualTo("rockets");
  }

  @Test
  void badIndexAndBadLinesAreOneLine() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    String[] r = run("search", "--index", empty.toString(), "--query", "x");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2].strip()).isEqualTo("model2vec search: --index: " + empty.resolve("manifest.json")
        + ": missing: not an index folder, or its build did not finish");

    Path queries = Files.write(tmp.resolve("bad.jsonl"), List.of("{\"text\": \"a\"}", "{\"t\": 1}"));
    r = run("search", "--index", index.toString(), "--input", queries.toString(), "--format", "jsonl");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2].strip()).isEqualTo("model2vec search: " + queries + " line 2: no string field 'text'");

    r = run("search", "--index", index.toString());
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[2]).contains("give either --query (one or more) or --input, not neither");
  }

  /** exit code, stdout, stderr of the command line. */
  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Model2VecCli());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = Commands.execute(cl, e -> e.getMessage() == null ? e.toString() : e.getMessage(),
        args);
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }
}
