package io.model2vec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** --on-error and --max-line-bytes, and the reject records of encode and flink-enrich. */
class BadLineOptionsTest {
  @Command(name = "cmd")
  static final class Cmd {
    @Mixin
    BadLineOptions badLines;
  }

  private static CommandLine parse(Cmd cmd, String... args) {
    CommandLine cl = new CommandLine(cmd);
    cl.parseArgs(args);
    return cl;
  }

  @Test
  void defaultsFailOnTheFirstBadLineOf64MiB() {
    Cmd cmd = new Cmd();
    CommandLine cl = parse(cmd);
    assertThat(cmd.badLines.skip()).isFalse();
    assertThat(cmd.badLines.maxLineBytes()).isEqualTo(64 << 20);
    assertThatCode(() -> cmd.badLines.check(cl, false)).doesNotThrowAnyException();
  }

  @Test
  void rejectsNeedSkipAndTheLimitIsChecked() {
    Cmd fail = new Cmd();
    CommandLine cl = parse(fail);
    assertThatThrownBy(() -> fail.badLines.check(cl, true))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage("--rejects needs --on-error skip (with fail the first bad line stops the run)");
    Cmd skip = new Cmd();
    CommandLine skipping = parse(skip, "--on-error", "skip", "--max-line-bytes", "0");
    assertThat(skip.badLines.skip()).isTrue();
    assertThatThrownBy(() -> skip.badLines.check(skipping, true))
        .hasMessage("--max-line-bytes must be in 1.." + (Integer.MAX_VALUE - 16) + ", was 0");
    assertThatThrownBy(() -> parse(new Cmd(), "--on-error", "ignore"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--on-error");
  }

  @Test
  void rejectRecordsKeepTheLineAsItWas() {
    assertThat(BadLineOptions.reject(null, 3, "not valid JSON", "{x", null, -1))
        .isEqualTo("{\"line\":3,\"reason\":\"not valid JSON\",\"raw\":\"{x\"}");
    assertThat(BadLineOptions.reject("/in/a.jsonl", 4, "bad", null,
        "ab".getBytes(StandardCharsets.UTF_8), -1))
        .isEqualTo("{\"file\":\"/in/a.jsonl\",\"line\":4,\"reason\":\"bad\",\"raw_base64\":\"YWI=\"}");
    assertThat(BadLineOptions.reject(null, 5, BadLineOptions.tooLong(2, 9), null,
        "ab".getBytes(StandardCharsets.UTF_8), 9))
        .isEqualTo("{\"line\":5,\"reason\":\"longer than --max-line-bytes 2 (9 bytes)\","
            + "\"raw_base64\":\"YWI=\",\"truncated\":true,\"bytes\":9}");
    assertThat(BadLineOptions.cutShort("not valid JSON (column 3: x)"))
        .isEqualTo("cut short: the input ends inside this line, not valid JSON (column 3: x)");
  }
}
