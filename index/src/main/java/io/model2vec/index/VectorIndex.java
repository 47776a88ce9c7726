package io.model2vec.index;

import io.model2vec.StaticModel;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.codecs.CodecUtil;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * A sharded index of Model2Vec vectors, opened from its folder ({@code manifest.json} and one
 * Lucene index per {@code shard-NNNNN}). Thread-safe: one instance serves any number of threads.
 *
 * <pre>{@code
 * try (VectorIndex index = VectorIndex.open(Path.of("/data/index"))) {
 *   for (VectorIndex.Hit hit : index.search("how do I reset my password", 10)) {
 *     System.out.println(hit.id() + " " + hit.score() + " " + hit.text());
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #search} walks each shard's HNSW graph for {@link #DEFAULT_CANDIDATES} (or the given
 * {@code candidates}) neighbours (in parallel over the shards), rescores those with the stored
 * float vectors, and merges the top k;
 * {@link #exactSearch} compares the query with every vector (for checking, and small indexes).
 * Scores are cosine similarities.
 */
public final class VectorIndex implements AutoCloseable {
  static {
    LuceneWarnings.silence(); // before Lucene's first vector operation in this JVM
  }

  /**
   * Neighbours taken from each shard's graph before rescoring (Elasticsearch's num_candidates).
   * On 12,000 fortunes with the built-in model and a (16, 100) graph, recall@10 is 0.93 with 100
   * candidates and 0.95 with 200.
   */
  public static final int DEFAULT_CANDIDATES = 200;

  private final Path folder;
  private final IndexManifest manifest;
  private final List<Shard> shards;
  private final ExecutorService pool;
  /** The inverted file of a format 2 index; null for Lucene HNSW shards (format 1). */
  private final IvfSearcher ivf;
  private final Object modelLock = new Object();
  private volatile StaticModel model;

  private VectorIndex(Path folder, IndexManifest manifest, List<Shard> shards, IvfSearcher ivf) {
    this.folder = folder;
    this.manifest = manifest;
    this.shards = shards;
    this.ivf = ivf;
    int threads = Math.min(shards.size(), Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    this.pool = threads <= 1 ? null : Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "model2vec-index-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Opens the index in {@code folder} (a local path); errors name the file that is wrong. */
  public static VectorIndex open(Path folder) {
    return open(folder, null);
  }

  /**
   * Brings one file of an index kept on other storage into a local folder: {@code relative} is
   * its path in the index folder, as the manifest names it; {@code target} the local file to
   * write (it does not exist yet).
   */
  @FunctionalInterface
  public interface FileFetcher {
    void fetch(String relative, Path target) throws IOException;
  }

  /**
   * Opens an IVF index whose {@code manifest.json} and centroids are in the local {@code folder}
   * and whose lists are elsewhere: a list's files are fetched into {@code folder} by {@code
   * fetcher} when a query first probes the list, so a process reads only the lists its queries
   * probe (the Spark executors do this for an index on a Hadoop file system). With a null
   * fetcher, or an index of HNSW shards, it is {@link #open(Path)}.
   */
  public static VectorIndex open(Path folder, FileFetcher fetcher) {
    Path file = folder.resolve(IndexManifest.FILE);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IndexException(file + ": missing: " + (Files.isDirectory(folder)
          ? "not an index folder, or its build did not finish" : "no such folder " + folder));
    } catch (IOException e) {
      throw new IndexException(file + ": unreadable: " + e.getMessage(), e);
    }
    IndexManifest manifest = IndexManifest.fromJson(bytes, file.toString());
    if (manifest.ivf() != null) {
      return new VectorIndex(folder, manifest, List.of(),
          IvfSearcher.open(folder, fetcher, manifest));
    }
    List<Shard> shards = new ArrayList<>();
    try {
      for (Map.Entry<String, Long> e : manifest.shards().entrySet()) {
        shards.add(Shard.open(folder.resolve(e.getKey()), e.getValue(), manifest.dimensions()));
      }
    } catch (RuntimeException e) {
      for (Shard s : shards) {
        s.close();
      }
      throw e;
    }
    return new VectorIndex(folder, manifest, Collections.unmodifiableList(shards), null);
  }

  public IndexManifest manifest() {
    return manifest;
  }

  public Path folder() {
    return folder;
  }

  public int dimensions() {
    return manifest.dimensions();
  }

  /** Rows over all shards. */
  public long size() {
    return manifest.rows();
  }

  /** The k nearest rows of {@code text}, embedded with the index's model. */
  public List<Hit> search(String text, int k) {
    return search(embed(text), k);
  }

  /**
   * The k nearest rows of {@code vector} (any length; it is normalized), approximately: an IVF
   * index probes the manifest's {@code nprobe} lists, an HNSW one walks its graphs.
   */
  public List<Hit> search(float[] vector, int k) {
    if (ivf != null) {
      return probe(vector, k, ivf.nprobe());
    }
    return search(vector, k, Math.max(k, DEFAULT_CANDIDATES));
  }

  /**
   * IVF index: the k nearest rows of {@code vector} among the {@code nprobe} lists nearest to it
   * (more lists, better recall, slower; the manifest's default is {@link #nprobe()}). The best
   * int8 scores are rescored exactly by embedding their stored texts again.
   */
  public List<Hit> probe(float[] vector, int k, int nprobe) {
    requireIvf("probe");
    if (nprobe < 1) {
      throw new IllegalArgumentException("nprobe must be >= 1, was " + nprobe);
    }
    float[] q = query(vector, k);
    return ivf.search(q, atMostRows(k), nprobe, IvfSearcher.defaultRescore(k), this::embed);
  }

  /** IVF index: the lists a query probes by default (the manifest's); 0 for an HNSW index. */
  public int nprobe() {
    return ivf == null ? 0 : ivf.nprobe();
  }

  /**
   * Bytes this open index holds in memory beyond its model: an IVF index's centroids and the
   * lists it has read (bounded by {@code -Dmodel2vec.index.cache-mb}); -1 for an HNSW index
   * (Lucene maps its files).
   */
  public long memoryBytes() {
    return ivf == null ? -1 : ivf.centroidBytes() + ivf.cachedBytes();
  }

  private void requireIvf(String what) {
    if (ivf == null) {
      throw new IllegalStateException(what + " needs an IVF index (format 2); " + folder
          + " is a Lucene HNSW index (format 1)");
    }
  }

  /**
   * As {@link #search(float[], int)} with {@code candidates} (>= k) taken from each shard's graph
   * and rescored: more candidates, better recall, slower queries (Elasticsearch's
   * num_candidates).
   */
  public List<Hit> search(float[] vector, int k, int candidates) {
    if (candidates < k) {
      throw new IllegalArgumentException("candidates must be >= k (" + k + "), was " + candidates);
    }
    if (ivf != null) { // candidates: rows rescored
      float[] q = query(vector, k);
      return ivf.search(q, atMostRows(k), ivf.nprobe(), candidates, this::embed);
    }
    float[] q = query(vector, k);
    // no more hits or candidates than rows: k is what a user may ask, memory is what rows need
    int kk = atMostRows(k);
    int cc = atMostRows(candidates);
    return merge(kk, shard -> shard.approximate(q, kk, cc));
  }

  private int atMostRows(int n) {
    return (int) Math.max(1, Math.min(n, size()));
  }

  /** The exact k nearest rows of {@code text}: every vector compared. */
  public List<Hit> exactSearch(String text, int k) {
    return exactSearch(embed(text), k);
  }

  /** The exact k nearest rows of {@code vector}: every vector compared. */
  public List<Hit> exactSearch(float[] vector, int k) {
    float[] q = query(vector, k);
    int kk = atMostRows(k);
    if (ivf != null) {
      return ivf.exact(q, kk, IvfSearcher.defaultRescore(k), this::embed);
    }
    return merge(kk, shard -> shard.exact(q, kk));
  }

  /** The vector of {@code text} from the index's model (loaded once per JVM, shared). */
  public float[] embed(String text) {
    if (text == null) {
      throw new IllegalArgumentException("query text must not be null");
    }
    return model().encode(text);
  }

  /** The index's model: the core's shared instance for the manifest's reference. */
  public StaticModel model() {
    StaticModel m = model;
    if (m == null) {
      synchronized (modelLock) {
        m = model;
        if (m == null) {
          m = manifest.model().shared();
          if (m.dimension() != manifest.dimensions()) {
            throw new IndexException(folder.resolve(IndexManifest.FILE) + ": the model "
                + manifest.model() + " gives " + m.dimension() + " dimensions, the index has "
                + manifest.dimensions());
          }
          manifest.checkModel(m, folder.resolve(IndexManifest.FILE).toString());
          model = m;
        }
      }
    }
    return m;
  }

  private float[] query(float[] vector, int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, was " + k);
    }
    if (vector == null || vector.length != manifest.dimensions()) {
      throw new IndexException("query vector has " + (vector == null ? "no" : vector.length + "")
          + " dimensions, the index " + folder + " has " + manifest.dimensions());
    }
    return Vectors.normalized(vector);
  }

  private interface ShardSearch {
    List<Candidate> run(Shard shard) throws IOException;
  }

  private List<Hit> merge(int k, ShardSearch search) {
    List<List<Candidate>> perShard = new ArrayList<>(shards.size());
    try {
      if (pool == null) {
        for (Shard s : shards) {
          perShard.add(search.run(s));
        }
      } else {
        List<Future<List<Candidate>>> futures = new ArrayList<>(shards.size());
        for (Shard s : shards) {
          futures.add(pool.submit(() -> search.run(s)));
        }
        for (Future<List<Candidate>> f : futures) {
          perShard.add(f.get());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(folder + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IndexException(folder + ": search interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      throw new IndexException(folder + ": " + c.getMessage(), c);
    }
    List<Candidate> all = new ArrayList<>();
    for (List<Candidate> l : perShard) {
      all.addAll(l);
    }
    all.sort(Candidate.ORDER);
    List<Hit> hits = new ArrayList<>(Math.min(k, all.size()));
    for (int i = 0; i < all.size() && hits.size() < k; i++) {
      Candidate c = all.get(i);
      try {
        hits.add(c.shard.hit(c, manifest.storedFields()));
      } catch (IOException e) {
        throw new UncheckedIOException(c.shard.folder + ": " + e.getMessage(), e);
      }
    }
    return hits;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
    for (Shard s : shards) {
      s.close();
    }
  }

  @Override
  public String toString() {
    return "VectorIndex{" + folder + ", " + size() + " rows, " + shards.size() + " shards}";
  }

  /** One row found: its id, cosine similarity to the query, text and stored columns. */
  public static final class Hit {
    private final String id;
    private final float score;
    private final String text;
    private final Map<String, String> fields;

    Hit(String id, float score, String text, Map<String, String> fields) {
      this.id = id;
      this.score = score;
      this.text = text;
      this.fields = fields;
    }

    public String id() {
      return id;
    }

    /** Cosine similarity of the row's vector and the query. */
    public float score() {
      return score;
    }

    /** The text the row was embedded from, or null if none was stored. */
    public String text() {
      return text;
    }

    /** Stored columns (in the manifest's order; a null value for a column the row lacked). */
    public Map<String, String> fields() {
      return fields;
    }

    @Override
    public String toString() {
      return id + ":" + score;
    }
  }

  /** A shard's document with its exact score. */
  private static final class Candidate {
    static final Comparator<Candidate> ORDER = Comparator.<Candidate>comparingDouble(c -> -c.score)
        .thenComparingInt(c -> c.shard.number).thenComparingInt(c -> c.doc);

    final Shard shard;
    final int doc;
    final float score;

    Candidate(Shard shard, int doc, float score) {
      this.shard = shard;
      this.doc = doc;
      this.score = score;
    }
  }

  /** One opened shard. */
  private static final class Shard {
    private static final AtomicInteger NUMBERS = new AtomicInteger();
    /** The field attribute where Lucene records a field's vector format by name. */
    private static final String PER_FIELD_FORMAT = "PerFieldKnnVectorsFormat.format";
    final Path folder;
    final int number = NUMBERS.incrementAndGet();
    final DirectoryReader reader;
    final IndexSearcher searcher;

    private Shard(Path folder, DirectoryReader reader) {
      this.folder = folder;
      this.reader = reader;
      this.searcher = new IndexSearcher(reader);
    }

    static Shard open(Path folder, long rows, int dims) {
      if (!Files.isDirectory(folder)) {
        throw new IndexException(folder + ": shard folder missing (listed in the manifest)");
      }
      DirectoryReader reader;
      try {
        FSDirectory dir = FSDirectory.open(folder);
        verifyChecksums(dir, folder);
        reader = DirectoryReader.open(dir);
      } catch (IndexException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new IndexException(folder + ": not a readable Lucene index: " + e.getMessage(), e);
      }
      if (reader.numDocs() != rows) {
        closeQuietly(reader);
        throw new IndexException(folder + ": holds " + reader.numDocs() + " rows, the manifest says "
            + rows);
      }
      for (LeafReaderContext leaf : reader.leaves()) {
        var info = leaf.reader().getFieldInfos().fieldInfo(IndexShardWriter.VECTOR);
        if (info != null && info.getVectorDimension() != dims) {
          closeQuietly(reader);
          throw new IndexException(folder + ": vectors have " + info.getVectorDimension()
              + " dimensions, the manifest says " + dims);
        }
      }
      return new Shard(folder, reader);
    }

    /**
     * Reads every file of the shard once and checks it against the checksum Lucene wrote in its
     * footer: a flipped byte in a vector or a stored field is refused when the index opens, not
     * answered as a wrong score or text. Costs one sequential read of the index.
     */
    private static void verifyChecksums(Directory dir, Path folder) throws IOException {
      for (String name : dir.listAll()) {
        if (name.equals("write.lock")) {
          continue;
        }
        try (IndexInput in = dir.openInput(name, IOContext.READONCE)) {
          CodecUtil.checksumEntireFile(in);
        } catch (CorruptIndexException | EOFException e) {
          throw new IndexException(folder.resolve(name) + ": corrupt (" + firstLine(e.getMessage())
              + "): the file changed after the index was built; rebuild the index", e);
        }
      }
    }

    private static String firstLine(String s) {
      if (s == null) {
        return "unreadable";
      }
      int nl = s.indexOf('\n');
      return nl < 0 ? s : s.substring(0, nl);
    }

    List<Candidate> approximate(float[] q, int k, int candidates) throws IOException {
      List<Candidate> out = new ArrayList<>(candidates * reader.leaves().size());
      for (LeafReaderContext leaf : reader.leaves()) {
        FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexShardWriter.VECTOR);
        if (values == null) {
          continue;
        }
        HnswGraph graph = floatGraph(leaf);
        if (graph == null) {
          lucene(leaf, q, candidates, values, out);
        } else {
          walk(leaf, graph, q, candidates, values, out);
        }
      }
      out.sort(Candidate.ORDER);
      return out.size() > k ? new ArrayList<>(out.subList(0, k)) : out;
    }

    /**
     * The graph of a leaf whose vectors are floats, when {@link GraphScorer} is the Vector API
     * one: then {@link #walk} searches it with that scorer (Lucene 9.12 scores scalar on Java
     * 17). Null otherwise (int8 shards search their quantized vectors through Lucene).
     */
    private static HnswGraph floatGraph(LeafReaderContext leaf) throws IOException {
      if (!(GraphScorer.INSTANCE instanceof GraphScorer)
          || !(leaf.reader() instanceof CodecReader)) {
        return null;
      }
      FieldInfo info = leaf.reader().getFieldInfos().fieldInfo(IndexShardWriter.VECTOR);
      if (info == null
          || !"Lucene99HnswVectorsFormat".equals(info.getAttribute(PER_FIELD_FORMAT))) {
        return null;
      }
      KnnVectorsReader vectors = ((CodecReader) leaf.reader()).getVectorReader();
      if (vectors instanceof PerFieldKnnVectorsFormat.FieldsReader) {
        vectors = ((PerFieldKnnVectorsFormat.FieldsReader) vectors)
            .getFieldReader(IndexShardWriter.VECTOR);
      }
      return vectors instanceof HnswGraphProvider
          ? ((HnswGraphProvider) vectors).getGraph(IndexShardWriter.VECTOR) : null;
    }

    /** Lucene's search of a leaf's graph (as KnnFloatVectorQuery runs it), then rescored. */
    private void walk(LeafReaderContext leaf, HnswGraph graph, float[] q, int candidates,
        FloatVectorValues values, List<Candidate> out) throws IOException {
      RandomAccessVectorValues.Floats ords = (RandomAccessVectorValues.Floats) values;
      RandomVectorScorer scorer = GraphScorer.INSTANCE.getRandomVectorScorer(
          VectorSimilarityFunction.DOT_PRODUCT, ords, q);
      TopKnnCollector collector = new TopKnnCollector(candidates, Integer.MAX_VALUE);
      if (candidates < ords.size()) {
        HnswGraphSearcher.search(scorer, collector, graph, null);
      } else {
        for (int ord = 0; ord < ords.size(); ord++) {
          collector.collect(ord, scorer.score(ord));
        }
      }
      RandomAccessVectorValues.Floats reread = ords.copy();
      for (ScoreDoc d : collector.topDocs().scoreDocs) {
        // exact cosines, summed as exactSearch sums them
        out.add(new Candidate(this, leaf.docBase + reread.ordToDoc(d.doc),
            VectorUtil.dotProduct(q, reread.vectorValue(d.doc))));
      }
    }

    /** KnnFloatVectorQuery on one leaf, rescored with the stored floats. */
    private void lucene(LeafReaderContext leaf, float[] q, int candidates,
        FloatVectorValues values, List<Candidate> out) throws IOException {
      TopDocs top = leaf.reader().searchNearestVectors(IndexShardWriter.VECTOR, q, candidates,
          leaf.reader().getLiveDocs(), Integer.MAX_VALUE);
      // Rescore with the stored floats: exact cosines, and an int8 graph's order corrected.
      ScoreDoc[] docs = top.scoreDocs.clone();
      Arrays.sort(docs, Comparator.comparingInt(d -> d.doc));
      for (ScoreDoc d : docs) {
        if (values.docID() < d.doc) {
          values.advance(d.doc);
        }
        out.add(new Candidate(this, leaf.docBase + d.doc,
            VectorUtil.dotProduct(q, values.vectorValue())));
      }
    }

    List<Candidate> exact(float[] q, int k) throws IOException {
      // a bounded min-heap on score: the k best seen so far
      java.util.PriorityQueue<Candidate> best = new java.util.PriorityQueue<>(k + 1,
          Candidate.ORDER.reversed());
      for (LeafReaderContext leaf : reader.leaves()) {
        FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexShardWriter.VECTOR);
        if (values == null) {
          continue;
        }
        for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS;
            doc = values.nextDoc()) {
          float s = VectorUtil.dotProduct(q, values.vectorValue());
          if (best.size() < k) {
            best.add(new Candidate(this, leaf.docBase + doc, s));
          } else if (s > best.peek().score) {
            best.poll();
            best.add(new Candidate(this, leaf.docBase + doc, s));
          }
        }
      }
      List<Candidate> out = new ArrayList<>(best);
      out.sort(Candidate.ORDER);
      return out;
    }

    Hit hit(Candidate c, List<String> storedFields) throws IOException {
      Document doc = searcher.storedFields().document(c.doc);
      Map<String, String> fields = new LinkedHashMap<>();
      for (String f : storedFields) {
        IndexableField v = doc.getField(IndexShardWriter.FIELD_PREFIX + f);
        fields.put(f, v == null ? null : v.stringValue());
      }
      return new Hit(doc.get(IndexShardWriter.ID), c.score, doc.get(IndexShardWriter.TEXT),
          Collections.unmodifiableMap(fields));
    }

    void close() {
      closeQuietly(reader);
    }

    private static void closeQuietly(DirectoryReader r) {
      try {
        r.close();
      } catch (IOException ignored) {
        // a reader that fails to close holds nothing we can release
      }
    }
  }
}
