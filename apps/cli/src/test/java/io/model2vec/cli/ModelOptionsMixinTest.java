package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.app.ModelOptions;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Every command that embeds with a model takes its model options from the one mixin. */
class ModelOptionsMixinTest {
  @Test
  void everyCommandWithAModelTakesTheMixin() {
    Map<String, Boolean> byCommand = new TreeMap<>();
    new CommandLine(new Model2VecCli()).getSubcommands().forEach((name, cl) -> {
      CommandSpec spec = cl.getCommandSpec();
      if (spec.findOption("--model") != null) {
        byCommand.put(name, spec.mixins().values().stream()
            .anyMatch(m -> m.userObject() instanceof ModelOptions));
      }
    });
    // train's --model is the table to start from ('default' or a folder), evaluate's a
    // repeatable LABEL=MODEL list: neither loads one model with load options
    assertThat(byCommand).containsExactlyInAnyOrderEntriesOf(Map.of(
        "encode", true, "classify", true, "bench", true, "bench-index", true, "train", false,
        "evaluate", false, "train-classifier", true));
    for (String command : new String[] {"encode", "classify", "bench", "bench-index",
        "train-classifier"}) {
      CommandSpec spec = new CommandLine(new Model2VecCli()).getSubcommands().get(command)
          .getCommandSpec();
      for (String flag : new String[] {"--model", "--max-length", "--no-max-length",
          "--normalize", "--dimensions"}) {
        assertThat(spec.findOption(flag)).as(command + " " + flag).isNotNull();
      }
    }
  }
}
