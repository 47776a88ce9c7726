package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelWriterTest {
  @TempDir
  Path tmp;

  /** The float32 fixture's tokenizer with a table of our own, in each dtype, read back. */
  @Test
  void whatItWritesLoadsBackWithTheSameVectors() throws Exception {
    String tokenizer = Files.readString(Fixtures.model("test-model-float32").resolve("tokenizer.json"));
    int vocab = TokenizerMetadata.of(tokenizer, "tokenizer.json").vocabularySize();
    float[][] table = new float[vocab][3];
    float[] weights = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      table[i] = new float[] {i % 7 - 3, (i % 5) * 0.25f, 1};
      weights[i] = 0.5f + (i % 3);
    }
    for (DType dtype : new DType[] {DType.F32, DType.F16, DType.I8}) {
      Path dir = tmp.resolve(dtype.name());
      ModelWriter.forTable(table).tokenizer(tokenizer).dtype(dtype).weights(weights)
          .normalize(false).config(Map.of("tokenizer_name", "fixture")).save(dir);
      assertThat(Files.readString(dir.resolve("modules.json"))).as("no Normalize module")
          .doesNotContain("Normalize");
      assertThat(Files.readString(dir.resolve("config.json")))
          .contains("\"embedding_dtype\" : \"" + dtype.numpyName() + "\"")
          .contains("\"tokenizer_name\" : \"fixture\"");
      try (StaticModel m = StaticModel.load(dir)) {
        assertThat(m.tableDtype()).isEqualTo(dtype.name());
        int[] ids = m.tokenize("hello world");
        assertThat(ids).isNotEmpty();
        float[][] rows = m.encodeAsSequence("hello world");
        for (int k = 0; k < ids.length; k++) {
          float[] expected = table[ids[k]];
          for (int j = 0; j < 3; j++) {
            float want = expected[j] * weights[ids[k]];
            if (dtype == DType.I8) { // I8 keeps the raw integers: the table's scale is 3/127
              want = Math.round(expected[j] / (3.0f / 127)) * weights[ids[k]];
            }
            assertThat(rows[k][j]).as("%s row %d col %d", dtype, ids[k], j)
                .isCloseTo(want, within(Math.abs(want) * 1e-3f + 1e-6f));
          }
        }
      }
    }
  }

  @Test
  void rowsComeFromAFunctionAndBadTablesAreRefused() throws Exception {
    String tokenizer = Files.readString(Fixtures.model("test-model-float32").resolve("tokenizer.json"));
    int vocab = TokenizerMetadata.of(tokenizer, "t").vocabularySize();
    ModelWriter.forRows(vocab, 4, r -> new float[] {r, 0, 0, 1}).tokenizer(tokenizer)
        .save(tmp.resolve("rows"));
    try (StaticModel m = StaticModel.load(tmp.resolve("rows"))) {
      assertThat(m.dimension()).isEqualTo(4);
      assertThat(m.normalizes()).isTrue();
    }
    assertThat(Files.readString(tmp.resolve("rows/modules.json"))).contains("Normalize");
    assertThatThrownBy(() -> ModelWriter.forRows(vocab, 4, r -> new float[3]).tokenizer(tokenizer)
        .save(tmp.resolve("ragged"))).hasMessageContaining("row 0 has 3 columns, the table 4");
    assertThatThrownBy(() -> ModelWriter.forRows(vocab, 1, r -> new float[] {Float.NaN})
        .tokenizer(tokenizer).save(tmp.resolve("nan"))).hasMessageContaining("row 0 holds NaN");
    assertThatThrownBy(() -> ModelWriter.forRows(2, 2, r -> new float[2]).dtype(DType.BF16))
        .hasMessage("dtype must be F32, F16 or I8, was BF16");
    assertThatThrownBy(() -> ModelWriter.forRows(2, 2, r -> new float[2]).save(tmp.resolve("x")))
        .hasMessageContaining("tokenizer(...) must be set");
  }
}
