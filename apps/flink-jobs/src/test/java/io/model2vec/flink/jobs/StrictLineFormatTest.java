package io.model2vec.flink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.local.LocalDataInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrictLineFormatTest {
  @TempDir
  Path tmp;

  @Test
  void numbersLinesDecodesStrictlyAndBoundsLongLines() throws Exception {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    data.writeBytes("{\"a\":1}\r\n\n  \n".getBytes(StandardCharsets.UTF_8));
    data.writeBytes("x".repeat(100).getBytes(StandardCharsets.UTF_8));
    data.writeBytes("\n{\"b\":\"".getBytes(StandardCharsets.UTF_8));
    data.write(0xC3); // a cut two-byte sequence
    data.writeBytes("\"}\n{\"c\":\"\u00e9\"}".getBytes(StandardCharsets.UTF_8));
    Path file = Files.write(tmp.resolve("in.jsonl"), data.toByteArray());

    List<NumberedLine> lines = new ArrayList<>();
    StreamFormat.Reader<NumberedLine> reader = new StrictLineFormat.Lines(50).createReader(
        new Configuration(), new LocalDataInputStream(file.toFile()), Files.size(file),
        Files.size(file));
    for (NumberedLine l; (l = reader.read()) != null; ) {
      lines.add(l);
    }
    reader.close();

    assertThat(lines).extracting(l -> l.line).containsExactly(1L, 4L, 5L, 6L);
    assertThat(lines.get(0).text).isEqualTo("{\"a\":1}\r");
    assertThat(lines.get(1).error).isEqualTo("longer than --max-line-bytes 50 (100 bytes)");
    assertThat(lines.get(1).raw).isNull();
    assertThat(lines.get(2).error).startsWith("not valid UTF-8 (byte 0xC3 at byte 7");
    assertThat(lines.get(2).raw).hasSize(9);
    assertThat(lines.get(3).text).isEqualTo("{\"c\":\"\u00e9\"}");
    assertThat(lines.get(3).unterminated).isTrue();
    assertThat(lines.get(0).unterminated).isFalse();
  }
}
