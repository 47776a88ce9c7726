package io.model2vec.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Searches a format 2 index in one process, without an engine: the query's {@code nprobe}
 * nearest lists are read (only their Parquet files, once, then kept in a cache bounded by
 * {@code -Dmodel2vec.index.cache-mb}, default 1024), their int8 codes scored against the query,
 * and the best candidates rescored exactly by embedding their stored texts again (a static model
 * embeds a text in microseconds, so the index keeps no float vectors).
 */
final class IvfSearcher {
  /** Rows rescored by default: at least this many, or 3 x k. Measured in docs/index.md. */
  static int defaultRescore(int k) {
    int r = io.model2vec.Settings.INDEX_IVF_RESCORE.get();
    return r == 0 ? 0 : Math.max(r, 3 * k);
  }

  private final long cacheBytes = io.model2vec.Settings.INDEX_CACHE_MB.get() * 1024L * 1024L;

  /** 64-bit words of a row's sign bits. */
  private int signWords() {
    return (dims + 63) / 64;
  }

  /** Rows kept by the first, sign-bit stage of a scan (0: one full stage). */
  static int prefilter() {
    return io.model2vec.Settings.INDEX_IVF_PREFILTER.get();
  }

  private final Path folder;
  /** Brings a list file into {@code folder} on its first read (an index on remote storage). */
  private final VectorIndex.FileFetcher fetcher;
  private final IndexManifest manifest;
  private final IvfLayout layout;
  private final int dims;
  private final float[] centroids;
  private final IvfKernels.Centroids blocked;
  private final List<List<IvfLayout.ListFile>> filesByList;
  private final Map<Integer, ListData> cache = new LinkedHashMap<>(64, 0.75f, true);
  private long cached;
  private final Object lock = new Object();

  private IvfSearcher(Path folder, VectorIndex.FileFetcher fetcher, IndexManifest manifest,
      float[] centroids) {
    this.folder = folder;
    this.fetcher = fetcher;
    this.manifest = manifest;
    this.layout = manifest.ivf();
    this.dims = manifest.dimensions();
    this.centroids = centroids;
    this.blocked = new IvfKernels.Centroids(centroids, dims);
    List<List<IvfLayout.ListFile>> by = new ArrayList<>(layout.lists());
    for (int i = 0; i < layout.lists(); i++) {
      by.add(new ArrayList<>());
    }
    for (IvfLayout.ListFile f : layout.files()) {
      by.get(f.list()).add(f);
    }
    this.filesByList = by;
  }

  static IvfSearcher open(Path folder, VectorIndex.FileFetcher fetcher, IndexManifest manifest) {
    IvfLayout layout = manifest.ivf();
    Path file = folder.resolve(IvfLayout.CENTROIDS);
    byte[] bytes;
    try {
      long size = Files.size(file);
      long want = (long) layout.lists() * manifest.dimensions() * 4;
      if (size != want) {
        throw new IndexException(file + ": holds " + size + " bytes, the manifest's "
            + layout.lists() + " lists x " + manifest.dimensions() + " dimensions need " + want);
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IndexException(file + ": missing (listed in the manifest)");
    } catch (IOException e) {
      throw new IndexException(file + ": unreadable: " + e.getMessage(), e);
    }
    if (layout.centroidsCrc() >= 0 && IvfWriter.crc(bytes) != layout.centroidsCrc()) {
      throw new IndexException(file + ": corrupt (CRC-32 " + IvfWriter.crc(bytes)
          + ", the manifest says " + layout.centroidsCrc() + "): rebuild the index");
    }
    float[] c = new float[layout.lists() * manifest.dimensions()];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(c);
    for (float x : c) {
      if (!Float.isFinite(x)) {
        throw new IndexException(file + ": holds a non-finite value");
      }
    }
    return new IvfSearcher(folder, fetcher, manifest, c);
  }

  int nprobe() {
    return layout.nprobe();
  }

  /** Bytes of the lists held in memory now (an open index's memory, beside its centroids). */
  long cachedBytes() {
    synchronized (lock) {
      return cached;
    }
  }

  long centroidBytes() {
    return centroids.length * 4L;
  }

  /**
   * The top k of the {@code nprobe} nearest lists: int8 scores, the best {@code rescore}
   * rescored with {@code embed} (null: int8 scores only).
   */
  List<VectorIndex.Hit> search(float[] q, int k, int nprobe, int rescore,
      Function<String, float[]> embed) {
    int[] probe = blocked.probe(q, nprobe);
    return scan(q, k, probe, rescore, embed, true);
  }

  /** Every list scanned (int8 scores), the best rescored: the reference for recall. */
  List<VectorIndex.Hit> exact(float[] q, int k, int rescore, Function<String, float[]> embed) {
    int[] all = new int[layout.lists()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return scan(q, k, all, rescore, embed, false);
  }

  private List<VectorIndex.Hit> scan(float[] q, int k, int[] lists, int rescore,
      Function<String, float[]> embed, boolean twoStage) {
    int keep = Math.max(k, rescore);
    TopK top = new TopK(keep);
    List<ListData> data = new ArrayList<>(lists.length);
    long rows = 0;
    for (int li = 0; li < lists.length; li++) {
      ListData d = list(lists[li]);
      data.add(d);
      rows += d.n;
    }
    int setting = prefilter();
    int prefilter = Math.max(setting, keep);
    if (twoStage && setting > 0 && rows > prefilter) {
      // Two stages: the sign bits of a row (32 bytes for 256 dimensions, an eighth of its code)
      // against the query quantized to 4 bits rank the probed rows, a few popcounts a row; the
      // best get the full int8 score: `prefilter` of them, or 1% of the probed rows when more
      // (the more lists a query probes, the wider its top ten spreads in that ranking;
      // docs/index.md measures how many of the top ten the first stage keeps).
      int candidates = (int) Math.max(prefilter, rows / 100);
      for (long ref : bestBySigns(q, data, (int) rows, candidates)) {
        ListData d = data.get((int) (ref >>> 32));
        int r = (int) ref;
        top.offer(d.scales[r] * IvfKernels.dotCode(q, d.codes, r * dims, dims), ref);
      }
    } else {
      offerAll(q, data, top);
    }
    int all = top.size();
    float[] scores = new float[all];
    long[] refs = new long[all];
    top.drain(scores, refs);
    Integer[] order = new Integer[all];
    for (int i = 0; i < all; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> {
      int c = Float.compare(scores[b], scores[a]);
      return c != 0 ? c : Long.compare(refs[a], refs[b]);
    });
    int n = all;
    if (embed != null) {
      n = rescore(q, k, scores, refs, order, data, embed);
      java.util.Arrays.sort(order, 0, n, (a, b) -> {
        int c = Float.compare(scores[b], scores[a]);
        return c != 0 ? c : Long.compare(refs[a], refs[b]);
      });
    }
    List<VectorIndex.Hit> hits = new ArrayList<>(Math.min(k, n));
    List<String> stored = manifest.storedFields();
    for (int i = 0; i < n && hits.size() < k; i++) {
      int at = order[i];
      ListData d = data.get((int) (refs[at] >>> 32));
      int r = (int) refs[at];
      Map<String, String> fields = new LinkedHashMap<>();
      for (int f = 0; f < stored.size(); f++) {
        fields.put(stored.get(f), d.fields[f].get(r));
      }
      hits.add(new VectorIndex.Hit(d.ids.get(r), scores[at], d.texts.get(r),
          Collections.unmodifiableMap(fields)));
    }
    return hits;
  }

  /**
   * Offers every row of {@code data} to {@code top}, scored on all dimensions of its code; a
   * row's reference is its list's index in {@code data} (high 32 bits) and its row in the list.
   */
  private void offerAll(float[] q, List<ListData> data, TopK top) {
    for (int li = 0; li < data.size(); li++) {
      ListData d = data.get(li);
      for (int r = 0, off = 0; r < d.n; r++, off += dims) {
        top.offer(d.scales[r] * IvfKernels.dotCode(q, d.codes, off, dims), ((long) li << 32) | r);
      }
    }
  }

  /**
   * The references of the {@code n} best of the {@code rows} rows of {@code data} by the
   * asymmetric sign-bit estimate of {@code q . row}: {@code sum of q4[i] over the dimensions
   * where the row is positive}, with {@code q4 = round(7 q / max|q|)} in [-7, 7] (the estimate
   * up to a constant and a scale that are the same for every row), computed by popcounts from
   * the 4 bit planes of {@code q4 + 7} (7 x the row's positive dimensions subtracted again). The
   * scores are small integers, so the best n are found by a histogram and a threshold, not a
   * heap. A reference is the list's index in {@code data} (high 32 bits) and the row in the list.
   */
  private long[] bestBySigns(float[] q, List<ListData> data, int rows, int n) {
    int words = signWords();
    long[] planes = new long[4 * words]; // plane j of word w at j * words + w
    float max = 0;
    for (float x : q) {
      max = Math.max(max, Math.abs(x));
    }
    float step = max == 0 ? 0 : 7f / max;
    for (int i = 0; i < dims; i++) {
      int v = Math.round(q[i] * step) + 7;
      for (int j = 0; j < 4; j++) {
        if ((v >>> j & 1) != 0) {
          planes[j * words + i / 64] |= 1L << (i % 64);
        }
      }
    }
    int offset = 7 * dims;
    int[] histogram = new int[2 * offset + 1];
    int[] scores = new int[rows];
    int at = 0;
    for (ListData d : data) {
      if (words == 4) {
        IvfKernels.signScores4(d.signs, d.positives, d.n, planes, offset, scores, at, histogram);
      } else {
        IvfKernels.signScores(d.signs, d.positives, d.n, words, planes, offset, scores, at, histogram);
      }
      at += d.n;
    }
    n = Math.min(n, rows);
    int threshold = histogram.length - 1;
    int above = 0; // rows scored above the threshold
    while (above + histogram[threshold] < n) {
      above += histogram[threshold--];
    }
    int ties = n - above; // rows taken at the threshold, the first ones met
    long[] best = new long[n];
    int found = 0;
    at = 0;
    for (int li = 0; li < data.size(); li++) {
      int rowsOf = data.get(li).n;
      for (int r = 0; r < rowsOf; r++) {
        int s = scores[at++];
        if (s > threshold || (s == threshold && ties-- > 0)) {
          best[found++] = ((long) li << 32) | r;
        }
      }
    }
    return best;
  }

  /**
   * Rescores the candidates ({@code order}: best int8 score first) exactly, skipping those that
   * cannot reach the top {@code k}: a row's int8 score is within {@code scale / 2 x |q|_1} of its
   * exact score (each coordinate is rounded by at most half a step), so a candidate whose int8
   * score plus that bound is below the k-th exact score found so far is left out. The result is
   * the top k of rescoring every candidate, with a fraction of the embeddings (measured in
   * docs/index.md). Moves the rescored candidates to the front of {@code order}; returns their
   * count.
   */
  private int rescore(float[] q, int k, float[] scores, long[] refs, Integer[] order,
      List<ListData> data, Function<String, float[]> embed) {
    float l1 = 0;
    for (float x : q) {
      l1 += Math.abs(x);
    }
    float[] best = new float[k]; // the best exact scores so far, descending
    int found = 0;
    int kept = 0;
    for (int i = 0; i < order.length; i++) {
      int at = order[i];
      ListData d = data.get((int) (refs[at] >>> 32));
      int r = (int) refs[at];
      float bound = d.scales[r] * 0.5f * l1 + 1e-5f; // and float rounding
      if (found == k && scores[at] + bound < best[k - 1]) {
        continue;
      }
      String text = d.texts.get(r);
      if (text != null) { // a null text is the zero vector: its int8 score is exactly 0
        scores[at] = IvfKernels.dot(q, Vectors.normalized(embed.apply(text)), 0, dims);
      }
      float s = scores[at];
      if (found < k || s > best[k - 1]) {
        int j = found < k ? found++ : k - 1;
        while (j > 0 && best[j - 1] < s) {
          best[j] = best[j - 1];
          j--;
        }
        best[j] = s;
      }
      order[kept++] = at;
    }
    return kept;
  }

  private ListData list(int l) {
    synchronized (lock) {
      ListData d = cache.get(l);
      if (d != null) {
        return d;
      }
      d = load(l);
      cache.put(l, d);
      cached += d.bytes;
      var it = cache.entrySet().iterator();
      while (cached > cacheBytes && cache.size() > 1 && it.hasNext()) {
        var e = it.next();
        if (e.getKey() == l) {
          continue;
        }
        cached -= e.getValue().bytes;
        it.remove();
      }
      return d;
    }
  }

  private ListData load(int l) {
    List<IvfLayout.ListFile> files = filesByList.get(l);
    long rows = 0;
    for (IvfLayout.ListFile f : files) {
      rows += f.rows();
    }
    if (rows > Integer.MAX_VALUE / Math.max(1, dims)) {
      throw new IndexException(folder + ": list " + l + " holds " + rows + " rows: too many for "
          + "one list (rebuild with more --lists)");
    }
    List<String> stored = manifest.storedFields();
    ListData d = new ListData((int) rows, dims, stored.size());
    int at = 0;
    for (IvfLayout.ListFile f : files) {
      Path file = folder.resolve(f.path());
      if (fetcher != null && !Files.exists(file)) {
        fetch(f.path(), file);
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        Parquet.Reader r = Parquet.Reader.open(file.toString(), source(ch));
        if (r.rows() != f.rows()) {
          throw new IndexException(file + ": holds " + r.rows() + " rows, the manifest says "
              + f.rows());
        }
        int n = (int) r.rows();
        byte[][] ids = r.binary(IvfWriter.ID);
        byte[][] codes = r.binary(IvfWriter.CODE);
        float[] scales = r.floats(IvfWriter.SCALE);
        byte[][] texts = r.has(IvfWriter.TEXT) ? r.binary(IvfWriter.TEXT) : null;
        byte[][][] kept = new byte[stored.size()][][];
        for (int s = 0; s < stored.size(); s++) {
          kept[s] = r.binary(stored.get(s));
        }
        for (int i = 0; i < n; i++) {
          if (ids[i] == null || codes[i] == null || codes[i].length != dims
              || !Float.isFinite(scales[i]) || scales[i] < 0) {
            throw new IndexException(file + ": row " + i + " has a null id, a code of "
                + (codes[i] == null ? "no" : codes[i].length + "") + " bytes (the index has "
                + dims + " dimensions) or a bad scale " + scales[i]);
          }
          int row = at + i;
          System.arraycopy(codes[i], 0, d.codes, row * dims, dims);
          d.scales[row] = scales[i];
        }
        d.ids.add(ids);
        d.texts.add(texts == null ? new byte[n][] : texts);
        for (int s = 0; s < stored.size(); s++) {
          d.fields[s].add(kept[s]);
        }
        at += n;
      } catch (NoSuchFileException e) {
        throw new IndexException(file + ": missing (listed in the manifest)");
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage() + " (rebuild the index if the file "
            + "changed after it was built)", e);
      }
    }
    int words = signWords();
    d.signs = new long[(int) rows * words];
    d.positives = new int[(int) rows];
    for (int r = 0; r < rows; r++) {
      for (int i = 0; i < dims; i++) {
        if (d.codes[r * dims + i] > 0) {
          d.signs[r * words + i / 64] |= 1L << (i % 64);
          d.positives[r]++;
        }
      }
    }
    d.bytes = (long) rows * (dims + 8L * words + 8) + d.ids.bytes() + d.texts.bytes();
    for (Packed f : d.fields) {
      d.bytes += f.bytes();
    }
    return d;
  }

  /**
   * Fetches one list file into place: into a temporary name first, then moved, so that a reader
   * never sees half a file (two threads probing the same list may both fetch it; the second move
   * replaces an identical file).
   */
  private void fetch(String relative, Path file) {
    Path part = null;
    try {
      Files.createDirectories(file.getParent());
      part = Files.createTempFile(file.getParent(), ".fetch-", ".part");
      Files.delete(part);
      fetcher.fetch(relative, part);
      Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("could not fetch " + relative + " of the index into " + file
          + ": " + e.getMessage(), e);
    } finally {
      if (part != null) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException ignored) {
          // a stray temporary file in a temporary folder
        }
      }
    }
  }

  static Parquet.Source source(FileChannel ch) {
    return new Parquet.Source() {
      @Override
      public long length() throws IOException {
        return ch.size();
      }

      @Override
      public void readFully(long position, byte[] buffer, int offset, int length)
          throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buffer, offset, length);
        while (b.hasRemaining()) {
          int n = ch.read(b, position + b.position() - offset);
          if (n < 0) {
            throw new java.io.EOFException("file ends at " + (position + b.position() - offset));
          }
        }
      }
    };
  }

  /** The rows of one list, in memory: codes and scales, the strings as packed UTF-8. */
  private static final class ListData {
    final int n;
    final Packed ids;
    final byte[] codes;
    /**
     * The sign bits of every code ({@code (dims + 63) / 64} words a row, bit i of a row set when
     * its dimension i is positive): what the first stage of a query reads, an eighth of the
     * codes' bytes.
     */
    long[] signs;
    /** Each row's count of set sign bits. */
    int[] positives;
    final float[] scales;
    final Packed texts;
    final Packed[] fields;
    long bytes;

    ListData(int n, int dims, int kept) {
      this.n = n;
      this.ids = new Packed(n);
      this.codes = new byte[n * dims];
      this.scales = new float[n];
      this.texts = new Packed(n);
      this.fields = new Packed[kept];
      for (int i = 0; i < kept; i++) {
        fields[i] = new Packed(n);
      }
    }
  }

  /** Strings of a list as one UTF-8 array and offsets (a null: offset -1): no per-row objects. */
  private static final class Packed {
    private byte[] data = new byte[0];
    private final int[] start;
    private final int[] length;
    private int rows;
    private int used;

    Packed(int n) {
      start = new int[n];
      length = new int[n];
    }

    void add(byte[][] values) {
      long more = 0;
      for (byte[] v : values) {
        more += v == null ? 0 : v.length;
      }
      if (used + more > Integer.MAX_VALUE - 8) {
        throw new IndexException("a list holds more than 2 GB of strings: rebuild with more lists");
      }
      data = java.util.Arrays.copyOf(data, (int) (used + more));
      for (byte[] v : values) {
        if (v == null) {
          start[rows] = -1;
        } else {
          start[rows] = used;
          length[rows] = v.length;
          System.arraycopy(v, 0, data, used, v.length);
          used += v.length;
        }
        rows++;
      }
    }

    String get(int row) {
      return start[row] < 0 ? null : new String(data, start[row], length[row],
          StandardCharsets.UTF_8);
    }

    long bytes() {
      return data.length + 8L * start.length;
    }
  }

  /** The best scores seen: a bounded min-heap of (score, reference). */
  private static final class TopK {
    final float[] s;
    final long[] ref;
    int size;

    TopK(int k) {
      s = new float[k];
      ref = new long[k];
    }

    void offer(float score, long r) {
      if (size < s.length) {
        int i = size++;
        s[i] = score;
        ref[i] = r;
        up(i);
      } else if (score > s[0]) {
        s[0] = score;
        ref[0] = r;
        down(0);
      }
    }

    int size() {
      return size;
    }

    void drain(float[] scores, long[] refs) {
      System.arraycopy(s, 0, scores, 0, size);
      System.arraycopy(ref, 0, refs, 0, size);
    }

    private void up(int i) {
      while (i > 0) {
        int p = (i - 1) / 2;
        if (s[p] <= s[i]) {
          return;
        }
        swap(i, p);
        i = p;
      }
    }

    private void down(int i) {
      while (true) {
        int l = 2 * i + 1;
        int m = i;
        if (l < size && s[l] < s[m]) {
          m = l;
        }
        if (l + 1 < size && s[l + 1] < s[m]) {
          m = l + 1;
        }
        if (m == i) {
          return;
        }
        swap(i, m);
        i = m;
      }
    }

    private void swap(int a, int b) {
      float t = s[a];
      s[a] = s[b];
      s[b] = t;
      long r = ref[a];
      ref[a] = ref[b];
      ref[b] = r;
    }
  }
}
