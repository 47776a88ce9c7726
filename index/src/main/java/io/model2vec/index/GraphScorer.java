package io.model2vec.index;

import io.model2vec.Settings;
import java.io.IOException;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * Lucene's {@link DefaultFlatVectorScorer} with the dot product of float vectors done by
 * {@link PanamaDot}: the same score ({@code max((1 + a.b) / 2, 0)}, as
 * {@link VectorSimilarityFunction#DOT_PRODUCT}), up to the order of the float additions. Other
 * similarities and byte vectors go to Lucene's scorer.
 */
final class GraphScorer implements FlatVectorsScorer {
  /** The scorer for this JVM: this one where the Vector API is usable, else Lucene's. */
  static final FlatVectorsScorer INSTANCE =
      vectorized() ? new GraphScorer() : DefaultFlatVectorScorer.INSTANCE;

  /**
   * True when {@code jdk.incubator.vector} is in the boot layer, gives at least 8 float lanes,
   * is not switched off with {@code -Dmodel2vec.vector=false}, and agrees with
   * {@link VectorUtil#dotProduct} on a sample. Never throws: without the module PanamaDot is
   * never linked.
   */
  static boolean vectorized() {
    if (!Settings.VECTOR.get()
        || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    try {
      if (PanamaDot.lanes() < 8) {
        return false;
      }
      for (int n : new int[] {1, 7, 8, 31, 256, 384}) {
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = (float) Math.sin(i + 1) / n;
          b[i] = (float) Math.cos(3 * i) / n;
        }
        float want = VectorUtil.dotProduct(a, b);
        if (Math.abs(PanamaDot.dot(a, b) - want) > 1e-6f) {
          return false;
        }
      }
      return true;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  private GraphScorer() {}

  private static boolean ours(VectorSimilarityFunction similarity,
      RandomAccessVectorValues values) {
    return similarity == VectorSimilarityFunction.DOT_PRODUCT
        && values instanceof RandomAccessVectorValues.Floats;
  }

  static float score(float[] a, float[] b) {
    return Math.max((1 + PanamaDot.dot(a, b)) / 2, 0);
  }

  @Override
  public RandomVectorScorerSupplier getRandomVectorScorerSupplier(
      VectorSimilarityFunction similarity, RandomAccessVectorValues values) throws IOException {
    if (!ours(similarity, values)) {
      return DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorerSupplier(similarity, values);
    }
    return new Supplier((RandomAccessVectorValues.Floats) values);
  }

  @Override
  public RandomVectorScorer getRandomVectorScorer(VectorSimilarityFunction similarity,
      RandomAccessVectorValues values, float[] target) throws IOException {
    if (!ours(similarity, values)) {
      return DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorer(similarity, values, target);
    }
    if (target.length != values.dimension()) {
      throw new IllegalArgumentException("vector query dimension: " + target.length
          + " differs from field dimension: " + values.dimension());
    }
    return new Scorer((RandomAccessVectorValues.Floats) values, target);
  }

  @Override
  public RandomVectorScorer getRandomVectorScorer(VectorSimilarityFunction similarity,
      RandomAccessVectorValues values, byte[] target) throws IOException {
    return DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorer(similarity, values, target);
  }

  @Override
  public String toString() {
    return "GraphScorer(Vector API, " + PanamaDot.lanes() + " lanes)";
  }

  /** As Lucene's: one copy of the values holds the scorer's node, another is read per score. */
  private static final class Supplier implements RandomVectorScorerSupplier {
    private final RandomAccessVectorValues.Floats values;
    private final RandomAccessVectorValues.Floats nodes;
    private final RandomAccessVectorValues.Floats others;

    Supplier(RandomAccessVectorValues.Floats values) throws IOException {
      this.values = values;
      this.nodes = values.copy();
      this.others = values.copy();
    }

    @Override
    public RandomVectorScorer scorer(int ord) throws IOException {
      return new Scorer(others, nodes.vectorValue(ord));
    }

    @Override
    public RandomVectorScorerSupplier copy() throws IOException {
      return new Supplier(values.copy());
    }
  }

  private static final class Scorer extends RandomVectorScorer.AbstractRandomVectorScorer {
    private final RandomAccessVectorValues.Floats values;
    private final float[] query;

    Scorer(RandomAccessVectorValues.Floats values, float[] query) {
      super(values);
      this.values = values;
      this.query = query;
    }

    @Override
    public float score(int node) throws IOException {
      return GraphScorer.score(query, values.vectorValue(node));
    }
  }
}
