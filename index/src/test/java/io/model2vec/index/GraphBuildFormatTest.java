package io.model2vec.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shard writer builds its graph with {@link GraphScorer} and still writes Lucene's own
 * format: plain Lucene (no code of ours) reads and searches what it wrote.
 */
class GraphBuildFormatTest {
  @TempDir
  Path tmp;

  @Test
  void theVectorApiIsUsedInTheTestJvm() {
    // surefire passes --add-modules=jdk.incubator.vector, as bin/launch and Spark 4 do
    assertThat(GraphScorer.INSTANCE).isInstanceOf(GraphScorer.class);
  }

  @Test
  void scoresAreLucenesDotProductScores() throws Exception {
    Random random = new Random(7);
    for (int dims : new int[] {1, 15, 16, 33, 256, 384, 1024}) {
      List<float[]> vectors = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        vectors.add(Vectors.normalized(gaussian(random, dims)));
      }
      RandomAccessVectorValues.Floats values = RandomAccessVectorValues.fromFloats(vectors, dims);
      RandomVectorScorerSupplier ours = GraphScorer.INSTANCE.getRandomVectorScorerSupplier(
          VectorSimilarityFunction.DOT_PRODUCT, values);
      RandomVectorScorerSupplier lucene = DefaultFlatVectorScorer.INSTANCE
          .getRandomVectorScorerSupplier(VectorSimilarityFunction.DOT_PRODUCT, values);
      float[] query = Vectors.normalized(gaussian(random, dims));
      RandomVectorScorer ourQuery = GraphScorer.INSTANCE.getRandomVectorScorer(
          VectorSimilarityFunction.DOT_PRODUCT, values, query);
      RandomVectorScorer luceneQuery = DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorer(
          VectorSimilarityFunction.DOT_PRODUCT, values, query);
      for (int a = 0; a < vectors.size(); a++) {
        RandomVectorScorer x = ours.copy().scorer(a);
        RandomVectorScorer y = lucene.scorer(a);
        for (int b = 0; b < vectors.size(); b++) {
          assertThat(x.score(b)).as("dims %d, %d . %d", dims, a, b)
              .isCloseTo(y.score(b), org.assertj.core.data.Offset.offset(1e-6f));
        }
        assertThat(ourQuery.score(a)).isCloseTo(luceneQuery.score(a),
            org.assertj.core.data.Offset.offset(1e-6f));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Quantization.class)
  void plainLuceneReadsAndSearchesTheShard(Quantization quantization) throws Exception {
    int dims = 64;
    Random random = new Random(11);
    List<float[]> vectors = new ArrayList<>();
    Path folder = tmp.resolve("shard-" + quantization);
    try (IndexShardWriter writer = IndexShardWriter.create(folder, dims, quantization, List.of())) {
      for (int i = 0; i < 2_000; i++) {
        float[] v = gaussian(random, dims);
        vectors.add(Vectors.normalized(v));
        writer.add("row-" + i, null, v, new String[0]);
      }
      writer.commit();
    }
    try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(folder))) {
      assertThat(reader.leaves()).hasSize(1);
      LeafReader leaf = reader.leaves().get(0).reader();
      FieldInfo field = leaf.getFieldInfos().fieldInfo(IndexShardWriter.VECTOR);
      assertThat(field.getAttribute("PerFieldKnnVectorsFormat.format")).isEqualTo(
          quantization == Quantization.INT8 ? "Lucene99HnswScalarQuantizedVectorsFormat"
              : "Lucene99HnswVectorsFormat");
      IndexSearcher searcher = new IndexSearcher(reader);
      int found = 0;
      for (int i = 0; i < 100; i++) {
        TopDocs top = searcher.search(
            new KnnFloatVectorQuery(IndexShardWriter.VECTOR, vectors.get(i * 20), 1), 1);
        String id = searcher.storedFields().document(top.scoreDocs[0].doc).get(IndexShardWriter.ID);
        found += id.equals("row-" + i * 20) ? 1 : 0;
      }
      assertThat(found).as("rows found first by their own vector, of 100").isGreaterThan(95);
    }
  }

  private static float[] gaussian(Random random, int dims) {
    float[] v = new float[dims];
    for (int i = 0; i < dims; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }
}
