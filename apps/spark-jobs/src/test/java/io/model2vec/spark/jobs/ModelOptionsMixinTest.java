package io.model2vec.spark.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.app.ModelOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Every Spark job takes its model options from the mixin of all commands. */
class ModelOptionsMixinTest {
  @Test
  void everyJobTakesTheModelOptionsMixin() {
    for (Object job : new Object[] {new SparkEmbedJob(), new SparkIndexJob(), new SparkSearch(),
        new SparkBench()}) {
      CommandSpec spec = new CommandLine(job).getCommandSpec();
      assertThat(spec.mixins().values()).as(spec.name())
          .anySatisfy(m -> assertThat(m.userObject()).isInstanceOf(ModelOptions.class));
      for (String flag : new String[] {"--model", "--max-length", "--no-max-length",
          "--normalize", "--dimensions"}) {
        assertThat(spec.findOption(flag)).as(spec.name() + " " + flag).isNotNull();
      }
    }
  }
}
