package io.model2vec.index;

/**
 * Internal: not part of the API (public for the engine adapters). What every IVF index
 * computes: a vector's nearest centroid, the lists a query probes, int8 codes and their scores.
 * On the Vector API where {@link GraphScorer#vectorized()} says it works, scalar otherwise.
 */
public final class IvfKernels {
  static final boolean VECTOR = GraphScorer.vectorized() && vectorAgrees();

  private IvfKernels() {}

  private static boolean vectorAgrees() {
    try {
      float[] a = new float[37];
      byte[] c = new byte[37];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) Math.sin(i + 1);
        c[i] = (byte) (i * 7 - 100);
      }
      return Math.abs(PanamaIvf.dot(a, a, 0, a.length) - scalarDot(a, a, 0, a.length)) < 1e-4f
          && Math.abs(PanamaIvf.dotCode(a, c, 0, a.length) - scalarCode(a, c, 0, a.length))
              < 1e-2f;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  static float dot(float[] a, float[] b, int bOff, int n) {
    return VECTOR ? PanamaIvf.dot(a, b, bOff, n) : scalarDot(a, b, bOff, n);
  }

  static float dotCode(float[] q, byte[] codes, int off, int n) {
    return VECTOR ? PanamaIvf.dotCode(q, codes, off, n) : scalarCode(q, codes, off, n);
  }

  private static float scalarDot(float[] a, float[] b, int bOff, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) {
      s += a[i] * b[bOff + i];
    }
    return s;
  }

  private static float scalarCode(float[] q, byte[] codes, int off, int n) {
    float s = 0;
    for (int i = 0; i < n; i++) {
      s += q[i] * codes[off + i];
    }
    return s;
  }

  /**
   * Centroids laid out for scoring a vector against all of them at once (blocks of 8 centroids,
   * dimension-major inside a block). Immutable, thread-safe; scratch arrays are the caller's.
   */
  public static final class Centroids {
    final int lists;
    final int dims;
    final int blocks;
    final float[] blocked;
    // a pruned assignment (Vector API, 128+ dimensions, 64+ lists): the first head dimensions
    // are scored for every centroid, the rest only where a bound says the centroid can still win
    final int head;
    final float[] flat;
    final float[] tailNorms;
    final float maxNorm; // the largest centroid's norm, for the bound's rounding slack

    public Centroids(float[] flat, int dims) {
      if (dims < 1 || flat.length == 0 || flat.length % dims != 0) {
        throw new IllegalArgumentException("centroids must hold lists x " + dims + " floats, had "
            + flat.length);
      }
      this.dims = dims;
      this.lists = flat.length / dims;
      this.blocks = (lists + 7) / 8;
      this.blocked = new float[blocks * 8 * dims];
      for (int c = 0; c < lists; c++) {
        int base = (c / 8) * dims * 8 + c % 8;
        for (int d = 0; d < dims; d++) {
          blocked[base + d * 8] = flat[c * dims + d];
        }
      }
      this.head = VECTOR && dims >= 128 && lists >= 64 ? (dims / 2) & ~7 : dims;
      this.flat = head < dims ? flat.clone() : null;
      this.tailNorms = head < dims ? new float[lists] : null;
      double maxSquared = 0;
      for (int c = 0; c < lists; c++) {
        double front = 0;
        double tail = 0;
        for (int d = 0; d < dims; d++) {
          double x = (double) flat[c * dims + d] * flat[c * dims + d];
          if (d < head) {
            front += x;
          } else {
            tail += x;
          }
        }
        maxSquared = Math.max(maxSquared, front + tail);
        if (head < dims) { // rounded up: a bound must not fall below the true tail norm
          tailNorms[c] = Math.nextUp((float) Math.sqrt(tail));
        }
      }
      this.maxNorm = (float) Math.sqrt(maxSquared);
    }

    public int lists() {
      return lists;
    }

    /** A scratch array for {@link #scores} and {@link #nearest}. */
    public float[] scratch() {
      return new float[blocks * 8];
    }

    /** {@code out[c] = v . centroid c} (out from {@link #scratch}). */
    public void scores(float[] v, float[] out) {
      if (VECTOR) {
        PanamaIvf.scores(v, blocked, blocks, out);
        return;
      }
      java.util.Arrays.fill(out, 0f);
      for (int b = 0; b < blocks; b++) {
        int o = b * dims * 8;
        for (int d = 0; d < dims; d++) {
          float x = v[d];
          for (int j = 0; j < 8; j++) {
            out[b * 8 + j] += x * blocked[o + d * 8 + j];
          }
        }
      }
    }

    /** The list whose centroid has the largest dot product with {@code v}. */
    public int nearest(float[] v, float[] scratch) {
      scores(v, scratch);
      int best = 0;
      float bestScore = scratch[0];
      for (int c = 1; c < lists; c++) {
        if (scratch[c] > bestScore) {
          bestScore = scratch[c];
          best = c;
        }
      }
      return best;
    }

    /** Rows {@link #nearestBatch} assigns at once: the centroids are read once a batch. */
    public static final int BATCH = 32;

    /** The scratch space of {@link #nearestBatch}: one a thread. */
    public BatchScratch batchScratch() {
      return new BatchScratch(new float[BATCH * blocks * 8], new int[lists]);
    }

    /** A batch's scores and a row's candidates of {@link #nearestBatch}. */
    public static final class BatchScratch {
      final float[] scores;
      final int[] candidates;

      BatchScratch(float[] scores, int[] candidates) {
        this.scores = scores;
        this.candidates = candidates;
      }
    }

    /**
     * {@code out[r] = }{@link #nearest}{@code (vector r)} for the {@code rows <= BATCH} vectors
     * {@code vs[r * dims, (r + 1) * dims)}, with the same result as one at a time: at a
     * thousand lists the centroids (1 MB at 256 dimensions) no longer fit a core's cache, and
     * reading them once a vector cost more than the dot products. With 128 dimensions or more,
     * the assignment is pruned (exact, see {@link PanamaIvf#refine}): rows of a model2vec model
     * carry most of their variance in the first dimensions (the distillation's PCA orders them),
     * so the first half of the dimensions leaves a few dozen of a thousand centroids in the
     * running, and the assignment costs a little over half of scoring every dimension.
     */
    public void nearestBatch(float[] vs, int rows, int[] out, BatchScratch batchScratch) {
      if (rows < 0 || rows > BATCH) {
        throw new IllegalArgumentException("rows must be in [0, " + BATCH + "], was " + rows);
      }
      float[] scratch = batchScratch.scores;
      int width = blocks * 8;
      if (VECTOR) {
        PanamaIvf.scoresBatch(vs, rows, dims, head, blocked, blocks, scratch);
      } else {
        float[] one = new float[dims];
        float[] s = scratch();
        for (int r = 0; r < rows; r++) {
          System.arraycopy(vs, r * dims, one, 0, dims);
          scores(one, s);
          System.arraycopy(s, 0, scratch, r * width, width);
        }
      }
      for (int r = 0; r < rows; r++) {
        int base = r * width;
        int best = VECTOR ? PanamaIvf.argmax(scratch, base, lists) : 0;
        for (int c = 1; !VECTOR && c < lists; c++) {
          best = scratch[base + c] > scratch[base + best] ? c : best;
        }
        out[r] = head == dims ? best
            : PanamaIvf.refine(scratch, base, lists, tailNorms, vs, r * dims, dims, head, flat,
                best, PRUNE_SLACK * maxNorm, batchScratch.candidates);
      }
    }

    /** What float rounding may add to a score, relative to the norms: added to every bound. */
    static final float PRUNE_SLACK = 1e-4f;

    /** The {@code n} lists nearest to {@code q}, best first. */
    public int[] probe(float[] q, int n) {
      float[] s = scratch();
      scores(q, s);
      return top(s, lists, n);
    }
  }

  /** The {@code n} lists nearest to {@code q}, best first. */
  public static int[] probe(float[] q, float[] centroids, int lists, int n) {
    int dims = q.length;
    n = Math.min(n, lists);
    float[] scores = new float[lists];
    for (int c = 0; c < lists; c++) {
      scores[c] = dot(q, centroids, c * dims, dims);
    }
    return top(scores, lists, n);
  }

  private static int[] top(float[] scores, int lists, int n) {
    n = Math.min(n, lists);
    // a bounded selection: n is small against lists
    int[] top = new int[n];
    float[] topScore = new float[n];
    int size = 0;
    for (int c = 0; c < lists; c++) {
      float s = scores[c];
      if (size == n && s <= topScore[n - 1]) {
        continue;
      }
      int at = size == n ? n - 1 : size++;
      while (at > 0 && topScore[at - 1] < s) {
        top[at] = top[at - 1];
        topScore[at] = topScore[at - 1];
        at--;
      }
      top[at] = c;
      topScore[at] = s;
    }
    return top;
  }

  /**
   * Writes the int8 code of a normalized {@code v} to {@code code} and returns its scale: {@code
   * v[i] ~ code[i] * scale}, with {@code scale = max|v[i]| / 127} (0 for the zero vector).
   */
  public static float quantize(float[] v, byte[] code) {
    float max = 0;
    for (float x : v) {
      max = Math.max(max, Math.abs(x));
    }
    if (max == 0) {
      java.util.Arrays.fill(code, (byte) 0);
      return 0f;
    }
    float scale = max / 127f;
    float inv = 127f / max;
    for (int i = 0; i < v.length; i++) {
      code[i] = (byte) Math.round(v[i] * inv);
    }
    return scale;
  }

  /** {@code v / |v|} (the zero vector stays zero); throws on a non-finite value. */
  public static float[] normalized(float[] v) {
    return Vectors.normalized(v);
  }

  /** The sign-bit scores of {@code n} rows into {@code scores[at...]}, counted in {@code hist}. */
  static void signScores(long[] signs, int[] positives, int n, int words, long[] planes,
      int offset, int[] scores, int at, int[] hist) {
    for (int r = 0, off = 0; r < n; r++, off += words) {
      int s = offset - 7 * positives[r];
      for (int w = 0; w < words; w++) {
        long c = signs[off + w];
        s += Long.bitCount(c & planes[w])
            + (Long.bitCount(c & planes[words + w]) << 1)
            + (Long.bitCount(c & planes[2 * words + w]) << 2)
            + (Long.bitCount(c & planes[3 * words + w]) << 3);
      }
      scores[at + r] = s;
      hist[s]++;
    }
  }

  /**
   * {@link #signScores} for 4 words a row (129 to 256 dimensions, the potion models' 256): the 16
   * plane words held in locals, not read from the array for every row (a third faster).
   */
  static void signScores4(long[] signs, int[] positives, int n, long[] planes,
      int offset, int[] scores, int at, int[] hist) {
    long p00 = planes[0];
    long p01 = planes[1];
    long p02 = planes[2];
    long p03 = planes[3];
    long p10 = planes[4];
    long p11 = planes[5];
    long p12 = planes[6];
    long p13 = planes[7];
    long p20 = planes[8];
    long p21 = planes[9];
    long p22 = planes[10];
    long p23 = planes[11];
    long p30 = planes[12];
    long p31 = planes[13];
    long p32 = planes[14];
    long p33 = planes[15];
    for (int r = 0, off = 0; r < n; r++, off += 4) {
      long c0 = signs[off];
      long c1 = signs[off + 1];
      long c2 = signs[off + 2];
      long c3 = signs[off + 3];
      int b0 = Long.bitCount(c0 & p00) + Long.bitCount(c1 & p01) + Long.bitCount(c2 & p02)
          + Long.bitCount(c3 & p03);
      int b1 = Long.bitCount(c0 & p10) + Long.bitCount(c1 & p11) + Long.bitCount(c2 & p12)
          + Long.bitCount(c3 & p13);
      int b2 = Long.bitCount(c0 & p20) + Long.bitCount(c1 & p21) + Long.bitCount(c2 & p22)
          + Long.bitCount(c3 & p23);
      int b3 = Long.bitCount(c0 & p30) + Long.bitCount(c1 & p31) + Long.bitCount(c2 & p32)
          + Long.bitCount(c3 & p33);
      int s = offset - 7 * positives[r] + b0 + (b1 << 1) + (b2 << 2) + (b3 << 3);
      scores[at + r] = s;
      hist[s]++;
    }
  }
}
