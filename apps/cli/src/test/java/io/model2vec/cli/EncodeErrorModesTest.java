package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The error modes of {@code model2vec encode}: atomic output, bad-line policy, byte-faithful rows,
 * messages. In-process runs (always with --output: the command writes standard output to the
 * process's own descriptor, which the bin/ tests cover).
 */
class EncodeErrorModesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODEL = Fixtures.model("test-model-vocab-quantized").toString();

  @TempDir
  Path tmp;

  record Result(int code, String err) {}

  private static Result run(byte[] stdin, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldErr = System.err;
    InputStream oldIn = System.in;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    if (stdin != null) {
      System.setIn(new ByteArrayInputStream(stdin));
    }
    try {
      List<String> all = new ArrayList<>(List.of("encode", "--model", MODEL));
      all.addAll(List.of(args));
      int code = Model2VecCli.run(all.toArray(String[]::new));
      return new Result(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(oldErr);
      System.setIn(oldIn);
    }
  }

  private static Result run(String... args) {
    return run(null, args);
  }

  private List<String> filesIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String[] concat(String a, String b, String c, String d, String[] more) {
    List<String> all = new ArrayList<>(List.of(a, b, c, d));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static String[] concat(String a, String b, String[] more) {
    List<String> all = new ArrayList<>(List.of(a, b));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  // ---- 1. atomic output ----

  @Test
  void aBadLineLeavesNoOutputFileAndNoTemporaryFile() throws IOException {
    StringBuilder in = new StringBuilder();
    for (int i = 1; i <= 10_000; i++) {
      in.append(i == 5000 ? "{\"text\": oops}" : "{\"id\":" + i + ",\"text\":\"row " + i + "\"}")
          .append('\n');
    }
    Path dir = Files.createDirectories(tmp.resolve("d"));
    Path input = Files.writeString(dir.resolve("in.jsonl"), in);
    Path output = dir.resolve("out.jsonl");

    Result r = run("--input", input.toString(), "--output", output.toString());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("input line 5000");
    assertThat(filesIn(dir)).containsExactly("in.jsonl");
  }

  @Test
  void anExistingOutputIsReplacedOnlyOnSuccess() throws IOException {
    Path output = Files.writeString(tmp.resolve("out.jsonl"), "previous result\n");
    Files.setPosixFilePermissions(output, PosixFilePermissions.fromString("rw-r-----"));
    Path bad = Files.writeString(tmp.resolve("bad.jsonl"), "{\"text\":\"a\"}\nnot json\n");
    assertThat(run("--input", bad.toString(), "--output", output.toString()).code()).isEqualTo(1);
    assertThat(Files.readString(output)).isEqualTo("previous result\n");

    Path good = Files.writeString(tmp.resolve("good.jsonl"), "{\"text\":\"a\"}\n");
    assertThat(run("--input", good.toString(), "--output", output.toString()).code()).isZero();
    assertThat(Files.readAllLines(output)).hasSize(1);
    // replacing keeps the file's permissions, as writing into it would
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(output)))
        .isEqualTo("rw-r-----");
    assertThat(filesIn(tmp)).containsExactly("bad.jsonl", "good.jsonl", "out.jsonl");
  }

  @Test
  void outputNamingTheInputIsRefusedBeforeAnythingIsOpened() throws IOException {
    String content = "{\"text\":\"a\"}\n{\"text\":\"b\"}\n";
    Path input = Files.writeString(tmp.resolve("in.jsonl"), content);
    Result same = run("--input", input.toString(), "--output",
        tmp.resolve(".").resolve("in.jsonl").toString());
    assertThat(same.code()).isEqualTo(2);
    assertThat(same.err()).contains("is the same file as --input");

    Path link = Files.createSymbolicLink(tmp.resolve("link.jsonl"), input);
    Result viaLink = run("--input", input.toString(), "--output", link.toString());
    assertThat(viaLink.code()).isEqualTo(2);
    assertThat(Files.readString(input)).isEqualTo(content);
    assertThat(filesIn(tmp)).containsExactly("in.jsonl", "link.jsonl");
  }

  @Test
  void aSpecialFileOutputIsWrittenInPlace() throws IOException {
    Path input = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"a\"}\n");
    assertThat(run("--input", input.toString(), "--output", "/dev/null").code()).isZero();
    assertThat(Files.isRegularFile(Path.of("/dev/null"))).isFalse();
  }

  // ---- 2. bad lines ----

  static Stream<Object[]> badLines() {
    return Stream.of(
        new Object[] {"two values", utf8("{\"text\":\"a\"} {\"text\":\"b\"}"), "more than one"},
        new Object[] {"trailing garbage", utf8("{\"text\":\"a\"} x"), "JSON"},
        new Object[] {"extra brace", utf8("{\"text\":\"a\"}}"), "JSON"},
        new Object[] {"not an object", utf8("[1,2]"), "not a JSON object"},
        new Object[] {"invalid UTF-8 in a string",
            concat(utf8("{\"text\":\"caf"), new byte[] {(byte) 0xE9}, utf8("\"}")), "UTF-8"},
        new Object[] {"UTF-8 encoded surrogate",
            concat(utf8("{\"text\":\""), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                utf8("\"}")), "UTF-8"},
        new Object[] {"overlong", utf8("{\"text\":\"" + "x".repeat(300) + "\"}"),
            "longer than --max-line-bytes 200"},
        new Object[] {"not a string", utf8("{\"text\":42}"), "expected a string"});
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badLines")
  void aBadLineFailsWithItsLineNumberFromAFileAndFromStdin(String what, byte[] line,
      String reason) throws IOException {
    byte[] data = concat(utf8("{\"text\":\"ok\"}\n"), line, utf8("\n{\"text\":\"ok\"}\n"));
    Path input = Files.write(tmp.resolve("in.jsonl"), data);
    Path output = tmp.resolve("out.jsonl");

    // only the overlong case sets the limit, so every other case also runs on older versions
    String[] limit = reason.contains("max-line-bytes")
        ? new String[] {"--max-line-bytes", "200"} : new String[0];
    Result fromFile = run(concat("--input", input.toString(), "--output", output.toString(), limit));
    assertThat(fromFile.code()).as(fromFile.err()).isEqualTo(1);
    assertThat(fromFile.err()).contains("input line 2").contains(reason);
    assertThat(fromFile.err().strip()).doesNotContain("\n");
    assertThat(output).doesNotExist();

    Result fromStdin = run(data, concat("--output", output.toString(), limit));
    assertThat(fromStdin.code()).isEqualTo(1);
    assertThat(fromStdin.err()).isEqualTo(fromFile.err());
    assertThat(output).doesNotExist();
  }

  @Test
  void skipKeepsTheGoodRowsAndAccountsForEveryRejectedLine() throws IOException {
    byte[] invalidUtf8 = concat(utf8("{\"text\":\"caf"), new byte[] {(byte) 0xE9}, utf8("\"}"));
    String longLine = "{\"text\":\"" + "y".repeat(300) + "\"}";
    byte[] data = concat(
        utf8("{\"id\":1,\"text\":\"one\"}\n"),
        utf8("{\"id\":2,\"text\":\"a\"} {\"id\":3}\n"),
        invalidUtf8, utf8("\n"),
        utf8("{\"id\":4,\"text\":\"four\"}\n"),
        utf8("\n"),
        utf8(longLine + "\n"),
        utf8("{\"id\":5,\"text\":[1]}\n"),
        utf8("{\"id\":6,\"text\":\"six\"}\n"));
    Path input = Files.write(tmp.resolve("in.jsonl"), data);
    Path output = tmp.resolve("out.jsonl");
    Path rejects = tmp.resolve("rejects.jsonl");

    Result r = run("--input", input.toString(), "--output", output.toString(),
        "--on-error", "skip", "--rejects", rejects.toString(), "--max-line-bytes", "200");

    assertThat(r.code()).as(r.err()).isZero();
    List<String> rows = Files.readAllLines(output);
    assertThat(rows).extracting(l -> JSON.readTree(l).get("id").asInt()).containsExactly(1, 4, 6);
    assertThat(r.err()).contains("7 rows in, 3 out, 4 rejected");

    List<JsonNode> rej = new ArrayList<>();
    for (String l : Files.readAllLines(rejects)) {
      rej.add(JSON.readTree(l));
    }
    assertThat(rej).extracting(n -> n.get("line").asInt()).containsExactly(2, 3, 6, 7);
    assertThat(rej.get(0).get("reason").asText()).contains("more than one");
    assertThat(rej.get(0).get("raw").asText()).isEqualTo("{\"id\":2,\"text\":\"a\"} {\"id\":3}");
    assertThat(rej.get(1).get("reason").asText()).contains("UTF-8");
    assertThat(rej.get(1).has("raw")).isFalse();
    assertThat(Base64.getDecoder().decode(rej.get(1).get("raw_base64").asText()))
        .isEqualTo(invalidUtf8);
    assertThat(rej.get(2).get("reason").asText()).contains("longer than --max-line-bytes 200");
    assertThat(rej.get(2).get("truncated").asBoolean()).isTrue();
    assertThat(rej.get(2).get("bytes").asLong()).isEqualTo(longLine.length());
    assertThat(rej.get(3).get("raw").asText()).isEqualTo("{\"id\":5,\"text\":[1]}");
    assertThat(filesIn(tmp)).containsExactly("in.jsonl", "out.jsonl", "rejects.jsonl");
  }

  @Test
  void rejectsNeedsSkipAndTheOnErrorValueIsChecked() throws IOException {
    Path input = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"a\"}\n");
    Result r = run("--input", input.toString(), "--output", tmp.resolve("o").toString(),
        "--rejects", tmp.resolve("r").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--rejects needs --on-error skip");
    assertThat(run("--input", input.toString(), "--on-error", "ignore").code()).isEqualTo(2);
    assertThat(run("--input", input.toString(), "--max-line-bytes", "0").code()).isEqualTo(2);
  }

  @Test
  void aLastLineCutShortIsABadLineAndACompleteOneIsFine() throws IOException {
    Path output = tmp.resolve("out.jsonl");
    Path complete = Files.writeString(tmp.resolve("complete.jsonl"),
        "{\"text\":\"a\"}\n{\"text\":\"b\"}");
    assertThat(run("--input", complete.toString(), "--output", output.toString()).code()).isZero();
    assertThat(Files.readAllLines(output)).hasSize(2);

    Path cut = Files.writeString(tmp.resolve("cut.jsonl"), "{\"text\":\"a\"}\n{\"text\":\"b");
    Result fail = run("--input", cut.toString(), "--output", output.toString());
    assertThat(fail.code()).isEqualTo(1);
    assertThat(fail.err()).contains("input line 2").contains("cut short");

    Path rejects = tmp.resolve("rejects.jsonl");
    Result skip = run("--input", cut.toString(), "--output", output.toString(),
        "--on-error", "skip", "--rejects", rejects.toString());
    assertThat(skip.code()).isZero();
    assertThat(Files.readAllLines(output)).hasSize(1);
    assertThat(JSON.readTree(Files.readString(rejects)).get("raw").asText())
        .isEqualTo("{\"text\":\"b");
  }

  @Test
  void textFormatGetsTheSameUtf8AndLengthRules() throws IOException {
    Path output = tmp.resolve("out.jsonl");
    Path input = Files.write(tmp.resolve("in.txt"),
        concat(utf8("fine\n"), new byte[] {'b', (byte) 0xFF, 'd'}, utf8("\n"),
            utf8("z".repeat(50) + "\r\n"), utf8("last")));
    Result r = run("--input", input.toString(), "--output", output.toString(),
        "--format", "text");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("input line 2").contains("UTF-8");

    Result skip = run("--input", input.toString(), "--output", output.toString(),
        "--format", "text", "--on-error", "skip", "--max-line-bytes", "40");
    assertThat(skip.code()).as(skip.err()).isZero();
    assertThat(Files.readAllLines(output)).extracting(l -> JSON.readTree(l).get("text").asText())
        .containsExactly("fine", "last");
    assertThat(skip.err()).contains("4 rows in, 2 out, 2 rejected");
  }

  // ---- 3. rows pass through unchanged ----

  @Test
  void rowsKeepTheirBytesAndOnlyGainTheEmbedding() throws IOException {
    String row = "{ \"id\" : 1e999999999, \"x\":0.10000000000000000001,\"big\":"
        + "123456789012345678901234567890123456789,\"text\":\"h\\u00e9llo w\u00f6rld \\ud83d\\ude00\","
        + "\"embedding\":\"old\",\"k\":{\"z\":1,\"a\":[ 1 ,2 ]},\"lone\":\"\\ud800\",\"e\":\"\\/\" }";
    String expectedPrefix = "{ \"id\" : 1e999999999, \"x\":0.10000000000000000001,\"big\":"
        + "123456789012345678901234567890123456789,\"text\":\"h\\u00e9llo w\u00f6rld \\ud83d\\ude00\","
        + "\"k\":{\"z\":1,\"a\":[ 1 ,2 ]},\"lone\":\"\\ud800\",\"e\":\"\\/\" ,\"embedding\":[";
    Path input = Files.writeString(tmp.resolve("in.jsonl"),
        row + "\n{\"text\":\"a\",\"embedding\":[1,2]}\n{\"embedding\":null}\n{}\n");
    Path output = tmp.resolve("out.jsonl");

    Result r = run("--input", input.toString(), "--output", output.toString());

    assertThat(r.code()).as(r.err()).isZero();
    List<String> rows = Files.readAllLines(output, StandardCharsets.UTF_8);
    assertThat(rows.get(0)).startsWith(expectedPrefix).endsWith("]}");
    try (StaticModel model = StaticModel.load(MODEL)) {
      JsonNode parsed = JSON.readTree(rows.get(0));
      assertThat(EncodeCommandTest.vector(parsed.get("embedding")))
          .containsExactly(model.encode("h\u00e9llo w\u00f6rld \ud83d\ude00"));
      assertThat(rows.get(1)).startsWith("{\"text\":\"a\",\"embedding\":[");
      assertThat(EncodeCommandTest.vector(JSON.readTree(rows.get(1)).get("embedding")))
          .containsExactly(model.encode("a"));
    }
    assertThat(rows.get(2)).isEqualTo("{\"embedding\":null}");
    assertThat(rows.get(3)).isEqualTo("{\"embedding\":null}");
  }

  @Test
  void anUnpairedSurrogateEscapeInTheTextIsKeptAndEmbedded() throws IOException {
    Path input = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"a\\ud800b\"}\n");
    Path output = tmp.resolve("out.jsonl");
    assertThat(run("--input", input.toString(), "--output", output.toString()).code()).isZero();
    String out = Files.readString(output);
    assertThat(out).startsWith("{\"text\":\"a\\ud800b\",\"embedding\":[");
    try (StaticModel model = StaticModel.load(MODEL)) {
      assertThat(EncodeCommandTest.vector(JSON.readTree(out).get("embedding")))
          .containsExactly(model.encode("a\ud800b"));
    }
  }

  // ---- 5. messages ----

  @Test
  void messagesNameTheFileAndTheProblem() throws IOException {
    Path missing = tmp.resolve("missing.jsonl");
    Result noInput = run("--input", missing.toString(), "--output", tmp.resolve("o").toString());
    assertThat(noInput.code()).isEqualTo(1);
    assertThat(noInput.err().strip())
        .isEqualTo("model2vec encode: cannot read input file " + missing + ": no such file");

    Result dirInput = run("--input", tmp.toString(), "--output", tmp.resolve("o").toString());
    assertThat(dirInput.code()).isEqualTo(1);
    assertThat(dirInput.err()).contains(tmp + " is a directory");

    Path input = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"a\"}\n");
    Path noDir = tmp.resolve("no/such/out.jsonl");
    Result noParent = run("--input", input.toString(), "--output", noDir.toString());
    assertThat(noParent.code()).isEqualTo(1);
    assertThat(noParent.err().strip())
        .isEqualTo("model2vec encode: cannot create output " + noDir + ": no such directory");

    Path outDir = Files.createDirectories(tmp.resolve("outdir"));
    Result dirOutput = run("--input", input.toString(), "--output", outDir.toString());
    assertThat(dirOutput.code()).isEqualTo(1);
    assertThat(dirOutput.err()).contains(outDir + " is a directory");
    assertThat(filesIn(tmp)).containsExactly("in.jsonl", "outdir");
  }

  @Test
  void permissionDeniedIsNamed() throws IOException {
    Path input = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"a\"}\n");
    // sysfs refuses new files to everyone, root included
    Result r = run("--input", input.toString(), "--output", "/sys/model2vec-out.jsonl");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip())
        .isEqualTo("model2vec encode: cannot create output /sys/model2vec-out.jsonl: "
            + "permission denied");

    if (!"root".equals(System.getProperty("user.name"))) { // root reads any file
      Files.setPosixFilePermissions(input, PosixFilePermissions.fromString("---------"));
      Result unreadable = run("--input", input.toString(), "--output", tmp.resolve("o").toString());
      assertThat(unreadable.err().strip()).isEqualTo(
          "model2vec encode: cannot read input file " + input + ": permission denied");
    }
  }

  @Test
  void aSymlinkedOutputKeepsTheLinkAndReplacesItsFile() throws IOException {
    Path input = Files.writeString(tmp.resolve("in.jsonl"), "{\"text\":\"a\"}\n");
    Path real = Files.writeString(tmp.resolve("real.jsonl"), "old\n");
    Path link = Files.createSymbolicLink(tmp.resolve("link.jsonl"), real.getFileName());
    assertThat(run("--input", input.toString(), "--output", link.toString()).code()).isZero();
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readString(real)).startsWith("{\"text\":\"a\",\"embedding\":[");
  }

  @Test
  void helpDocumentsTheExitCodesAndTheNewFlags() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      assertThat(Model2VecCli.run("encode", "--help")).isZero();
    } finally {
      System.setOut(old);
    }
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("--on-error", "--rejects", "--max-line-bytes", "Exit codes", "141");
  }
}
