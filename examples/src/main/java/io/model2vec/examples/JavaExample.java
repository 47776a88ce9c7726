package io.model2vec.examples;

import io.model2vec.StaticModel;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/** The core from Java: load the built-in model, embed texts, compare them. */
public final class JavaExample {
  private JavaExample() {}

  public static void main(String[] args) {
    try (StaticModel model = StaticModel.load((String) null)) { // null: the built-in model
      List<String> texts = List.of("How do I bake bread?", "A recipe for sourdough loaves",
          "The rocket launched at dawn");
      float[][] vectors = model.encode(texts, ForkJoinPool.commonPool(), 2);
      for (int i = 1; i < texts.size(); i++) {
        System.out.printf("%.3f  %s%n", dot(vectors[0], vectors[i]), texts.get(i));
      }
    }
  }

  /** Cosine similarity: the model's vectors are L2-normalized. */
  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
