package io.model2vec.flink.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.app.BadLineOptions;
import io.model2vec.app.ModelOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The Flink commands take the model options (and flink-enrich the bad-line options) of all. */
class ModelOptionsMixinTest {
  @Test
  void everyCommandTakesTheModelOptionsMixin() {
    for (Object command : new Object[] {new FlinkEnrichJob(), new FlinkEnrichBench()}) {
      CommandSpec spec = new CommandLine(command).getCommandSpec();
      assertThat(spec.mixins().values()).as(spec.name())
          .anySatisfy(m -> assertThat(m.userObject()).isInstanceOf(ModelOptions.class));
      for (String flag : new String[] {"--model", "--max-length", "--no-max-length",
          "--normalize", "--dimensions"}) {
        assertThat(spec.findOption(flag)).as(spec.name() + " " + flag).isNotNull();
      }
    }
    CommandSpec enrich = new CommandLine(new FlinkEnrichJob()).getCommandSpec();
    assertThat(enrich.mixins().values())
        .anySatisfy(m -> assertThat(m.userObject()).isInstanceOf(BadLineOptions.class));
  }
}
