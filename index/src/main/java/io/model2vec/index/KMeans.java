package io.model2vec.index;

import java.util.Random;
import java.util.stream.IntStream;

/**
 * Internal: not part of the API (public for the engine adapters). Spherical k-means (Lloyd's
 * iterations on normalized vectors, centroids normalized after each): the centroids of an IVF
 * index, learned on a sample of its rows. Assignment, the cost, runs on all cores.
 */
public final class KMeans {
  /** Iterations: the recall of an IVF index barely moves after a few (FAISS uses 10 to 25). */
  public static final int ITERATIONS = 10;

  private KMeans() {}

  /**
   * Balances the lists: a query's cost is the rows of the lists it probes, and dense regions of
   * a corpus (near-duplicates, boilerplate) make a few lists of many times the mean, which are
   * also the ones queries probe most. While the largest cluster holds more than twice the mean
   * and four times the smallest, the smallest centroid moves next to the largest (each
   * pushed a little apart, as FAISS splits clusters for empty ones); the next iteration shares
   * the large cluster's rows between them.
   */
  static void split(float[] centroids, int[] counts, int dims, int rows, Random random) {
    int lists = counts.length;
    double mean = rows / (double) lists;
    Integer[] order = new Integer[lists];
    for (int i = 0; i < lists; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Integer.compare(counts[a], counts[b]));
    for (int lo = 0, hi = lists - 1; lo < hi; lo++, hi--) {
      int small = order[lo];
      int big = order[hi];
      if (counts[big] <= 2 * mean || counts[small] * 4 > counts[big]) {
        break;
      }
      double ns = 0;
      double nb = 0;
      for (int d = 0; d < dims; d++) {
        float e = (float) ((random.nextDouble() - 0.5) * 0.02);
        float c = centroids[big * dims + d];
        centroids[small * dims + d] = c + e;
        centroids[big * dims + d] = c - e;
        ns += (c + e) * (c + e);
        nb += (c - e) * (c - e);
      }
      for (int d = 0; d < dims; d++) {
        centroids[small * dims + d] /= (float) Math.sqrt(ns);
        centroids[big * dims + d] /= (float) Math.sqrt(nb);
      }
    }
  }

  /**
   * {@code lists} centroids (flat, {@code lists x dims}, normalized) of the normalized rows of
   * {@code sample}, seeded from distinct sample rows by {@code seed}. An empty cluster is seeded
   * again from a random row.
   */
  public static float[] train(float[][] sample, int lists, int iterations, long seed) {
    if (sample.length == 0) {
      throw new IllegalArgumentException("k-means needs at least one sample row, had none");
    }
    if (lists < 1 || lists > sample.length) {
      throw new IllegalArgumentException("lists must be in [1, sample rows = " + sample.length
          + "], was " + lists);
    }
    int dims = sample[0].length;
    Random random = new Random(seed);
    float[] centroids = new float[lists * dims];
    int[] order = IntStream.range(0, sample.length).toArray();
    for (int i = 0; i < lists; i++) { // a partial Fisher-Yates shuffle: distinct seeds
      int j = i + random.nextInt(sample.length - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
      System.arraycopy(sample[order[i]], 0, centroids, i * dims, dims);
    }
    int[] assigned = new int[sample.length];
    for (int it = 0; it < iterations; it++) {
      IvfKernels.Centroids c = new IvfKernels.Centroids(centroids, dims);
      // in batches: the centroids (1 MB at 1,000 x 256) are read once a batch, not once a row
      int batch = IvfKernels.Centroids.BATCH;
      ThreadLocal<IvfKernels.Centroids.BatchScratch> scratch =
          ThreadLocal.withInitial(c::batchScratch);
      ThreadLocal<float[]> rows = ThreadLocal.withInitial(() -> new float[batch * dims]);
      ThreadLocal<int[]> nearest = ThreadLocal.withInitial(() -> new int[batch]);
      IntStream.range(0, (sample.length + batch - 1) / batch).parallel().forEach(b -> {
        int from = b * batch;
        int n = Math.min(batch, sample.length - from);
        float[] vs = rows.get();
        for (int r = 0; r < n; r++) {
          System.arraycopy(sample[from + r], 0, vs, r * dims, dims);
        }
        int[] out = nearest.get();
        c.nearestBatch(vs, n, out, scratch.get());
        System.arraycopy(out, 0, assigned, from, n);
      });
      double[] sums = new double[lists * dims];
      int[] counts = new int[lists];
      for (int r = 0; r < sample.length; r++) {
        int l = assigned[r];
        counts[l]++;
        float[] v = sample[r];
        int off = l * dims;
        for (int d = 0; d < dims; d++) {
          sums[off + d] += v[d];
        }
      }
      float[] next = new float[lists * dims];
      for (int l = 0; l < lists; l++) {
        int off = l * dims;
        if (counts[l] == 0) {
          System.arraycopy(sample[random.nextInt(sample.length)], 0, next, off, dims);
          continue;
        }
        double norm = 0;
        for (int d = 0; d < dims; d++) {
          norm += sums[off + d] * sums[off + d];
        }
        double inv = norm == 0 ? 0 : 1 / Math.sqrt(norm);
        for (int d = 0; d < dims; d++) {
          next[off + d] = (float) (sums[off + d] * inv);
        }
      }
      if (it < iterations - 2) {
        split(next, counts, dims, sample.length, random);
      }
      centroids = next;
    }
    return centroids;
  }
}
