package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bench command runs end to end (a functional check: no timing is asserted). */
class BenchCommandTest {
  @Test
  void printsBaselineOursAndRatios() {
    String out = run("bench", "--synthetic-tokenizer",
        Fixtures.model("test-model-float32").resolve("tokenizer.json").toString(),
        "--synthetic-dims", "32", "--input", Fixtures.fortunes().toString(), "--derive", "short",
        "--limit", "300", "--seconds", "0.05", "--rounds", "1", "--threads", "2");
    assertThat(out).contains("tokenizer java-wordpiece", "short, 300 texts",
        "baseline (DJL HuggingFaceTokenizer + float mean):", "ours (StaticModel.encode, 1 thread):",
        "ratio ours / baseline", "ratio batch on 2 threads / 1 thread");
  }

  @Test
  void unigramModelsVocabularyQuantizedOrNot() throws Exception {
    String tokenizer = Fixtures.model("test-model-vocab-quantized").resolve("tokenizer.json")
        .toString();
    String out = run("bench", "--synthetic-tokenizer", tokenizer, "--synthetic-dims", "32",
        "--synthetic-clusters", "100", "--input", Fixtures.fortunes().toString(), "--derive",
        "short", "--limit", "300", "--seconds", "0.05", "--rounds", "1");
    assertThat(out).contains("tokenizer java-unigram", "4 weighted rows per pass",
        "ratio ours / baseline");
    out = run("bench", "--model", Fixtures.model("test-model-vocab-quantized").toString(),
        "--input", Fixtures.fortunes().toString(), "--limit", "300", "--seconds", "0.05",
        "--rounds", "1");
    assertThat(out).contains("tokenizer java-unigram", "64 dims", "ratio ours / baseline");
    // the baseline drops a Unigram model's unk_id, as the reference does
    assertThat(io.model2vec.TokenizerMetadata.of(java.nio.file.Files.readString(
        java.nio.file.Path.of(tokenizer)), "tokenizer.json").unknownId()).isEqualTo(1);
  }

  private static String run(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      // as bin/model2vec runs it: "bench" is the subcommand's name there
      String[] rest = args.length > 0 && args[0].equals("bench")
          ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
      assertThat(new picocli.CommandLine(new BenchCommand()).execute(rest)).isZero();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
