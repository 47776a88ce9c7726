package io.model2vec.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.LoadOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The model options of every command: parsed by picocli, checked by the core's parser. */
class ModelOptionsTest {
  @Command(name = "cmd")
  static final class Cmd {
    @Mixin
    ModelOptions model;
  }

  private static ModelOptions parse(String... args) {
    Cmd cmd = new Cmd();
    new CommandLine(cmd).parseArgs(args);
    return cmd.model;
  }

  @Test
  void noFlagsMeanTheBuiltInModelWithItsDefaults() {
    ModelOptions o = parse();
    assertThat(o.model()).isNull();
    assertThat(o.toLoadOptions()).isEqualTo(LoadOptions.defaults());
  }

  @Test
  void everyFlagReachesTheLoadOptions() {
    ModelOptions o = parse("--model", "some/folder", "--max-length", "64", "--normalize",
        "false", "--dimensions", "8");
    assertThat(o.model()).isEqualTo("some/folder");
    assertThat(o.toLoadOptions()).isEqualTo(
        LoadOptions.builder().maxLength(64).normalize(false).dimensions(8).build());
    assertThat(o.reference().options()).isEqualTo(o.toLoadOptions());
    assertThat(parse("--no-max-length").toLoadOptions())
        .isEqualTo(LoadOptions.builder().noMaxLength().build())
        .isEqualTo(parse("--max-length", "none").toLoadOptions());
  }

  @Test
  void conflictingOrBadValuesAreRefused() {
    assertThatThrownBy(() -> parse("--max-length", "5", "--no-max-length"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("mutually exclusive");
    assertThatThrownBy(() -> parse("--dimensions", "x").toLoadOptions())
        .hasMessageContaining("--dimensions");
  }
}
