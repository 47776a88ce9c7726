package io.model2vec.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15.BgeSmallEnV15EmbeddingModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our Teacher against langchain4j's own bge-small-en-v1.5 pipeline (same ONNX file; their
 * tokenization, input tensors and [CLS] pooling): an independent implementation of the same
 * forward pass must give the same normalized [CLS] vectors.
 */
class TeacherParityTest {
  @Test
  void clsVectorsMatchLangchain4j() {
    List<String> texts = List.of("hello world",
        "The quick brown fox jumps over the lazy dog.",
        "Distillation turns a sentence transformer into a static embedding table, 1 row/token!");
    EmbeddingModel reference = new BgeSmallEnV15EmbeddingModel();
    try (Teacher teacher = Teacher.fromClasspath("bge-small-en-v1.5", 2)) {
      float[][] ours = teacher.encode(texts, 512, Teacher.Pooling.CLS, 4);
      for (int i = 0; i < texts.size(); i++) {
        float[] theirs = reference.embed(texts.get(i)).content().vector();
        assertThat(ours[i]).hasSameSizeAs(theirs);
        DistillerTest.assertClose(ours[i], theirs, 1e-4, "'" + texts.get(i) + "'");
      }
    }
  }
}
