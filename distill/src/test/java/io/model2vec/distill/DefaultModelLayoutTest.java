package io.model2vec.distill;

import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one writer of config.json and modules.json (the core's ModelWriter, through
 * {@link Distiller.Result#save}) reproduces the built-in model's files byte for byte when given
 * what {@code model2vec train} gave it: a tokenlearn table of 384 dims, BAAI/bge-small-en-v1.5's
 * tokenizer, no SIF re-weighting, int8.
 */
class DefaultModelLayoutTest {
  private static final Path DEFAULT_MODEL =
      Paths.get("../default-model/src/main/resources/model2vec/default-model");

  @TempDir
  Path tmp;

  @Test
  void theTrainPathWritesTheDefaultModelsConfigAndModulesByteForByte() throws Exception {
    float[][] table = TrainerTest.table(8, 384, new Random(7));
    Trainer.Result trained = new Trainer.Result(table, 1, 1, 1.0, 1.0, new double[] {1.0}, 1.0);
    Path out = tmp.resolve("model");
    trained.model("{}", "BAAI/bge-small-en-v1.5", null).save(out, DType.I8);
    for (String file : new String[] {"config.json", "modules.json"}) {
      assertThat(Files.readAllBytes(out.resolve(file))).as(file)
          .isEqualTo(Files.readAllBytes(DEFAULT_MODEL.resolve(file)));
    }
  }
}
