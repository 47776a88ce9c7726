package io.model2vec.cli;

import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ListRandomAccessVectorValues;
import io.github.jbellis.jvector.graph.OnHeapGraphIndex;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.disk.OnDiskGraphIndex;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.SearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import io.model2vec.StaticModel;
import io.model2vec.index.IvfWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * bench-index's side by side with an existing engine: JVector (DiskANN-style graph, the engine of
 * Apache Cassandra's vector search) on the same rows, in the same run. Float vectors in memory
 * (as JVector searches them without product quantization), the graph written to one file for its
 * size. Only in apps/cli: a bench dependency, never one of the index module.
 */
final class JVectorBench {
  /** JVector's own defaults in its examples: 16 neighbours, a build beam of 100. */
  static final int DEGREE = 16;
  static final int BEAM = 100;

  private JVectorBench() {}

  static void run(PrintWriter out, ExecutorService pool, int t, IndexBenchCommand.Rows corpus,
      StaticModel m, int rows, Path folder, double embed, List<String> queries,
      List<Set<String>> truth, List<Integer> candidates) throws Exception {
    Files.createDirectories(folder);
    int dims = m.dimension();
    VectorTypeSupport vts = VectorizationProvider.getInstance().getVectorTypeSupport();
    long start = System.nanoTime();
    // embedded on the bench's threads, then the graph built on JVector's own pool (all cores)
    VectorFloat<?>[] vectors = new VectorFloat<?>[rows];
    List<Future<?>> parts = new ArrayList<>();
    for (int w = 0; w < t; w++) {
      int worker = w;
      parts.add(pool.submit(() -> {
        float[] v = new float[dims];
        for (int i = worker; i < rows; i += t) {
          m.encodeInto(corpus.row(i), v, 0);
          vectors[i] = vts.createFloatVector(IvfWriter.normalizedCopy(v));
        }
        return null;
      }));
    }
    for (Future<?> f : parts) {
      f.get();
    }
    long embedded = System.nanoTime();
    RandomAccessVectorValues ravv = new ListRandomAccessVectorValues(Arrays.asList(vectors), dims);
    OnHeapGraphIndex graph;
    try (GraphIndexBuilder builder = new GraphIndexBuilder(
        BuildScoreProvider.randomAccessScoreProvider(ravv, VectorSimilarityFunction.DOT_PRODUCT),
        dims, DEGREE, BEAM, 1.2f, 1.2f)) {
      graph = builder.build(ravv);
    }
    long built = System.nanoTime();
    Path file = folder.resolve("graph.jvector");
    OnDiskGraphIndex.write(graph, ravv, file);
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = rows / seconds;
    out.printf(Locale.ROOT, "index build, jvector %s (degree %d, beam %d, float vectors): %,.0f "
        + "rows/s (%,.0f per thread), %.2f%% of embed only; embed %.1f s, graph %.1f s, write "
        + "%.1f s%n", version(), DEGREE, BEAM, rate, rate / t, 100 * rate / embed,
        (embedded - start) / 1e9, (built - embedded) / 1e9, (System.nanoTime() - built) / 1e9);
    out.printf(Locale.ROOT, "index size, jvector: %.1f MiB on disk (graph and float vectors); "
        + "graph in memory %.1f MiB + float vectors %.1f MiB%n", Files.size(file) / 1048576.0,
        graph.ramBytesUsed() / 1048576.0, rows * (double) dims * 4 / 1048576.0);
    out.flush();
    int queriesN = queries.size();
    int r = truth.size();
    try (GraphSearcher searcher = new GraphSearcher(graph)) {
      for (int c : candidates) {
        for (int j = 0; j < Math.min(200, queriesN); j++) {
          search(searcher, vts, ravv, m, queries.get(j), c); // warm-up
        }
        long[] nanos = new long[queriesN];
        for (int j = 0; j < queriesN; j++) {
          long t0 = System.nanoTime();
          search(searcher, vts, ravv, m, queries.get(j), c);
          nanos[j] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        double found = 0;
        for (int j = 0; j < r; j++) {
          for (SearchResult.NodeScore n : search(searcher, vts, ravv, m, queries.get(j), c)
              .getNodes()) {
            if (truth.get(j).contains(Integer.toString(n.node))) {
              found++;
            }
          }
        }
        out.printf(Locale.ROOT, "query, jvector, %d candidates: p50 %.2f ms, p99 %.2f ms (embed + "
            + "search, k 10, %d queries one at a time); recall@10 %.3f (%d queries, against exact "
            + "float search)%n", c, nanos[queriesN / 2] / 1e6,
            nanos[(int) Math.min(queriesN - 1, Math.ceil(queriesN * 0.99) - 1)] / 1e6, queriesN,
            found / (10.0 * r), r);
        out.flush();
      }
    }
  }

  private static SearchResult search(GraphSearcher searcher, VectorTypeSupport vts,
      RandomAccessVectorValues ravv, StaticModel m, String query, int candidates) {
    VectorFloat<?> q = vts.createFloatVector(IvfWriter.normalizedCopy(m.encode(query)));
    return searcher.search(SearchScoreProvider.exact(q, VectorSimilarityFunction.DOT_PRODUCT,
        ravv), 10, candidates, 0f, 0f, Bits.ALL);
  }

  private static String version() {
    String v = GraphIndexBuilder.class.getPackage().getImplementationVersion();
    return v == null ? "(version not in its jar)" : v;
  }
}
