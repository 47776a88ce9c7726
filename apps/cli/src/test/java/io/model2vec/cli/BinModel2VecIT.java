package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code bin/model2vec} as a user does: a separate process, from another directory. */
class BinModel2VecIT {
  @TempDir
  Path tmp;

  @Test
  void encodeFromStdinInAnotherWorkingDirectory() throws Exception {
    Path script = Fixtures.repo().resolve("bin/model2vec")
        .toAbsolutePath().normalize();
    Path in = Files.writeString(tmp.resolve("in.jsonl"),
        "{\"id\":7,\"text\":\"hello world\"}\n{\"id\":8}\n");
    Process p = new ProcessBuilder(script.toString(), "encode", "--model",
        Fixtures.model("test-model-float32").toString())
        .directory(tmp.toFile())
        .redirectInput(in.toFile())
        .redirectError(new File(tmp.toFile(), "err.txt"))
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("err.txt"))).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines).hasSize(2);
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.get("id").asInt()).isEqualTo(7);
    float[] expected = Fixtures.expected("embeddings_short.json")[0];
    Fixtures.assertClose(EncodeCommandTest.vector(first.get("embedding")), expected, 1e-5,
        "bin/model2vec 'hello world'");
    assertThat(new ObjectMapper().readTree(lines.get(1)).get("embedding").isNull()).isTrue();
  }

  @Test
  void helpListsTheEncodeFlags() throws Exception {
    Path script = Fixtures.repo().resolve("bin/model2vec")
        .toAbsolutePath().normalize();
    Process p = new ProcessBuilder(script.toString(), "encode", "--help")
        .directory(tmp.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("--model", "--input", "--output", "--text-field", "--format",
        "--max-length", "--no-max-length", "--normalize", "--dimensions", "--threads", "--quiet")
        // the older name is accepted but not shown: the README and --help name one flag
        .doesNotContain(" --field");
  }

  @Test
  void theHappyPathWritesOnlyItsSummaryToStandardError() throws Exception {
    // --help: nothing at all on stderr (no JVM warning about the incubator module)
    Process help = new ProcessBuilder(script().toString(), "--help").directory(tmp.toFile())
        .redirectError(new File(tmp.toFile(), "help-err.txt")).start();
    String usage = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(help.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(help.exitValue()).isZero();
    assertThat(usage).startsWith("Usage: model2vec");
    assertThat(Files.readString(tmp.resolve("help-err.txt"))).isEmpty();

    Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"hello\"}\n");
    Process p = new ProcessBuilder(script().toString(), "encode", "--input", in.toString())
        .directory(tmp.toFile()).redirectError(new File(tmp.toFile(), "err.txt")).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String err = Files.readString(tmp.resolve("err.txt"));
    assertThat(p.exitValue()).as(err).isZero();
    assertThat(out).startsWith("{\"text\":\"hello\",\"embedding\":[");
    assertThat(err).matches(
        "model2vec encode: 1 rows in, 1 out, 0 rejected, [0-9.]+ s \\([0-9.,]+ rows/s\\)\n");
  }

  @Test
  void onATerminalAProgressLineIsRedrawnThenClearedForTheSummary() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(new File("/usr/bin/script").canExecute(),
        "util-linux script (a pseudo-terminal) is not installed");
    StringBuilder b = new StringBuilder();
    for (String t : Fixtures.fortuneTexts(2000)) {
      b.append(new ObjectMapper().createObjectNode().put("text", t)).append('\n');
    }
    // 200,000 rows: seconds even on a fast machine, so the line (redrawn every 0.5 s) is drawn
    String corpus = b.toString().repeat(100);
    Path in = Files.writeString(tmp.resolve("in.jsonl"), corpus);
    String out = "/dev/null"; // written in place; the summary counts the rows
    // script gives the command a terminal; stdout and stderr both land in its output
    String command = script() + " encode --input " + in + " --output " + out
        + " --model " + Fixtures.model("test-model-float32");
    Process p = new ProcessBuilder("/usr/bin/script", "-q", "-e", "-c", command, "/dev/null")
        .directory(tmp.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    p.getOutputStream().close();
    String screen = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(screen).isZero();
    assertThat(screen).doesNotContain("WARNING");
    // the live line: rows, rate, share of the input read, time left
    assertThat(screen).containsPattern("\rmodel2vec encode: [0-9,]+ rows, [0-9.,]+ rows/s, "
        + "[0-9]+%, [0-9]+m[0-9]{2}s left");
    // cleared before the summary, which ends the run on a line of its own
    assertThat(screen).containsPattern("\r +\rmodel2vec encode: 200000 rows in, 200000 out, 0 "
        + "rejected, [0-9.]+ s \\([0-9.,]+ rows/s\\)\r?\n$");
  }

  private static Path script() {
    return Fixtures.repo().resolve("bin/model2vec")
        .toAbsolutePath().normalize();
  }

  /** Feeds {@code line} {@code times} times to the process's stdin; counts the bytes taken. */
  private static Thread feed(Process p, byte[] line, long times, AtomicLong written) {
    Thread t = new Thread(() -> {
      try (OutputStream in = p.getOutputStream()) {
        byte[] chunk = new byte[line.length * 256];
        for (int i = 0; i < 256; i++) {
          System.arraycopy(line, 0, chunk, i * line.length, line.length);
        }
        for (long i = 0; i < times; i += 256) {
          in.write(chunk);
          written.addAndGet(chunk.length);
        }
      } catch (IOException closedByTheProcess) {
        // the process stopped reading: what the test checks
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  void closedStdoutStopsAtOnceWithTheSigpipeStatus() throws Exception {
    Process p = new ProcessBuilder(script().toString(), "encode", "--model",
        Fixtures.model("test-model-float32").toString())
        .directory(tmp.toFile())
        .redirectError(new File(tmp.toFile(), "err.txt"))
        .start();
    byte[] line = "{\"text\":\"the same short text, again and again\"}\n"
        .getBytes(StandardCharsets.UTF_8);
    long lines = 20_000_000L; // ~1 GB: far more than the run may read
    AtomicLong written = new AtomicLong();
    feed(p, line, lines, written);
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).startsWith("{\"text\":\"the same short text");
    } // like `| head -1`: the reader goes away after one line
    boolean ended = p.waitFor(60, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    assertThat(ended).as("ends soon after stdout is closed").isTrue();
    String err = Files.readString(tmp.resolve("err.txt"));
    assertThat(p.exitValue()).as(err).isEqualTo(141);
    assertThat(err).doesNotContain("Exception");
    // a batch is 2,048 lines (~100 KB here): it stops within a few batches, not after 1 GB
    assertThat(written.get()).as("bytes of input taken").isLessThan(16L << 20);
  }

  @Test
  void searchStopsWhenItsReaderGoesAway() throws Exception {
    Path index = io.model2vec.index.TestIndexes.build(tmp.resolve("idx"),
        io.model2vec.ModelReference.defaultModel(), Fixtures.fortuneTexts(100), 1,
        io.model2vec.index.Quantization.NONE);
    Process p = new ProcessBuilder(script().toString(), "search", "--index", index.toString(),
        "--input", "-", "--format", "jsonl", "-k", "1")
        .directory(tmp.toFile())
        .redirectError(new File(tmp.toFile(), "err.txt"))
        .start();
    byte[] line = "{\"text\":\"rocket launch\"}\n".getBytes(StandardCharsets.UTF_8);
    AtomicLong written = new AtomicLong();
    feed(p, line, 5_000_000L, written); // ~130 MB of queries: far more than the run may read
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).startsWith("{\"query\":\"rocket launch\"");
    } // like `| head -1`
    boolean ended = p.waitFor(60, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    assertThat(ended).as("ends soon after stdout is closed").isTrue();
    String err = Files.readString(tmp.resolve("err.txt"));
    assertThat(p.exitValue()).as(err).isEqualTo(141);
    assertThat(err).doesNotContain("Exception");
    assertThat(written.get()).as("bytes of queries taken").isLessThan(16L << 20);
  }

  @Test
  void anEndlessLineIsSkippedInBoundedMemory() throws Exception {
    Path out = tmp.resolve("out.jsonl");
    ProcessBuilder pb = new ProcessBuilder(script().toString(), "encode", "--model",
        Fixtures.model("test-model-float32").toString(), "--output", out.toString(),
        "--on-error", "skip", "--max-line-bytes", "1000000")
        .directory(tmp.toFile())
        .redirectError(new File(tmp.toFile(), "err.txt"));
    Map<String, String> env = pb.environment();
    env.put("JAVA_OPTS", "-Xmx96m");
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write("{\"text\":\"first\"}\n{\"text\":\"".getBytes(StandardCharsets.UTF_8));
      byte[] chunk = "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 1024; i++) { // a 1 GiB line, ten times the heap
        in.write(chunk);
      }
      in.write("\"}\n{\"text\":\"last\"}\n".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String err = Files.readString(tmp.resolve("err.txt"));
    assertThat(p.exitValue()).as(err).isZero();
    assertThat(err).contains("3 rows in, 2 out, 1 rejected");
    assertThat(Files.readAllLines(out)).hasSize(2);
  }

  @Test
  void outOfMemoryIsOneLineSuggestingJavaOpts() throws Exception {
    Path big = tmp.resolve("big.jsonl");
    try (OutputStream o = Files.newOutputStream(big)) {
      o.write("{\"text\":\"".getBytes(StandardCharsets.UTF_8));
      byte[] chunk = "word ".repeat(1 << 18).getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 48; i++) { // a 60 MiB line: under --max-line-bytes, over the heap
        o.write(chunk);
      }
      o.write("\"}\n".getBytes(StandardCharsets.UTF_8));
    }
    Path out = tmp.resolve("out.jsonl");
    ProcessBuilder pb = new ProcessBuilder(script().toString(), "encode", "--model",
        Fixtures.model("test-model-float32").toString(), "--input", big.toString(),
        "--output", out.toString())
        .directory(tmp.toFile())
        .redirectErrorStream(true);
    pb.environment().put("JAVA_OPTS", "-Xmx64m");
    Process p = pb.start();
    String all = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(all).isEqualTo(1);
    List<String> lines = all.lines().filter(l -> !l.startsWith("WARNING")).toList();
    assertThat(lines).as(all).hasSize(1);
    assertThat(lines.get(0)).startsWith("model2vec encode: out of memory").contains("JAVA_OPTS=-Xmx");
    assertThat(out).doesNotExist();
  }
}
