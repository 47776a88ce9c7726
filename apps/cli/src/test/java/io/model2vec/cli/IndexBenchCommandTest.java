package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** bench-index runs end to end on a few thousand rows (a functional check: no timing asserted). */
class IndexBenchCommandTest {
  @Test
  void printsBuildSizesLatencyAndRecallForIvfAndHnsw() {
    StringWriter out = new StringWriter();
    picocli.CommandLine cl = new picocli.CommandLine(new IndexBenchCommand());
    cl.setOut(new PrintWriter(out));
    int code = cl.execute("--input", Fixtures.fortunes().toString(), "--rows", "3000",
        "--threads", "2", "--queries", "50", "--recall-queries", "10", "--candidates", "20,40",
        "--type", "both,jvector", "--nprobe", "12,24", "--prefilter", "0,100");
    assertThat(code).isZero();
    String text = out.toString();
    assertThat(text).contains("20000 texts -> 3000 rows (texts as they are); 2 threads, 2 shards; HNSW m 32, beam width 200");
    assertThat(text).containsPattern("embed only: +[0-9,]+ rows/s");
    assertThat(text).containsPattern("index build, none: [0-9,]+ rows/s .*% of embed only");
    assertThat(text).containsPattern("index build, int8: [0-9,]+ rows/s");
    assertThat(text).containsPattern("index size, int8: .* int8 vectors \\(.veq\\) (0\\.[1-9]|[1-9])[0-9.]* MiB");
    assertThat(text).containsPattern("query, none, 40 candidates: p50 [0-9.]+ ms, p99 [0-9.]+ ms .* recall@10 "
        + "[01]\\.[0-9]{3} \\(10 queries\\); exact scan p50 [0-9.]+ ms");
    assertThat(text).contains("query, none, 20 candidates:", "query, int8, 40 candidates:");
    assertThat(text).containsPattern("index build, ivf \\([0-9]+ lists, [0-9]+-row sample\\): [0-9,]+ rows/s "
        + ".*% of embed only");
    assertThat(text).containsPattern("index size, ivf: .* MiB on disk");
    assertThat(text).containsPattern("query, ivf, nprobe 12, prefilter 0: p50 [0-9.]+ ms, p99 [0-9.]+ "
        + "ms .* recall@10 [01]\\.[0-9]{3}");
    assertThat(text).contains("query, ivf, nprobe 12, prefilter 100:", "query, ivf, nprobe 24, "
        + "prefilter 0:", "memory held by the open ivf index:");
    assertThat(text).containsPattern("lists of the index: max [0-9,]+ rows = [0-9.]+ x the mean");
    assertThat(text).containsPattern("nprobe 12, prefilter 0: .* [0-9,]+ rows scanned a query");
    assertThat(text).containsPattern("index build, jvector .*: [0-9,]+ rows/s .*% of embed only");
    assertThat(text).containsPattern("index size, jvector: [0-9.]+ MiB on disk");
    assertThat(text).containsPattern("query, jvector, 40 candidates: p50 [0-9.]+ ms, p99 [0-9.]+ ms "
        + ".* recall@10 [01]\\.[0-9]{3}");
  }

  @Test
  void variationsDifferFromTheirText() {
    IndexBenchCommand.Rows rows = new IndexBenchCommand.Rows(java.util.List.of("a b c", "d e f g"));
    assertThat(rows.row(0)).isEqualTo("a b c");
    assertThat(rows.row(2)).startsWith("a b c ").isNotEqualTo("a b c");
    assertThat(rows.query(0)).isNotEqualTo(rows.row(0));
  }
}
