package io.model2vec.index;

import io.model2vec.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;

/**
 * Writes one shard of an index: a Lucene index in a folder of its own, one document per row
 * (id, text, stored columns, the L2-normalized vector), merged into one segment (one HNSW graph)
 * on {@link #commit}. Engines write one shard per partition or subtask; not thread-safe (one
 * writer per task).
 *
 * <pre>{@code
 * try (IndexShardWriter w = IndexShardWriter.create(dir, 256, Quantization.NONE, List.of("lang"))) {
 *   w.add("doc-1", "some text", vector, new String[] {"en"});
 *   long rows = w.commit();
 * }
 * }</pre>
 */
public final class IndexShardWriter implements AutoCloseable {
  static {
    LuceneWarnings.silence(); // before Lucene's first vector operation in this JVM
  }

  static final String ID = "id";
  static final String TEXT = "text";
  static final String VECTOR = "vector";
  /** Stored columns are fields named {@code f.<column>}: never clash with id, text, vector. */
  static final String FIELD_PREFIX = "f.";
  /**
   * HNSW graph: neighbours per node and the beam of the search that inserts a node; system
   * properties {@code model2vec.index.hnsw.m} and {@code model2vec.index.hnsw.beam-width} (read
   * when a shard writer is created) change them. Default (32, 200), twice Lucene's and
   * Elasticsearch's (16, 100): Model2Vec vectors of mixed-language text (with near-duplicates)
   * are hard for a graph. On 12,000 fortunes with the built-in model, 256 dims: recall@10 with
   * 200 candidates 0.95 at (16, 100), 0.97 at (16, 200); a row's own vector found first 88%, 92%
   * and 100% of the time at (16, 100), (16, 200), (32, 200). (32, 200) builds about 4x slower
   * than (16, 100).
   */
  public static int maxConn() {
    return Settings.INDEX_HNSW_M.get();
  }

  public static int beamWidth() {
    return Settings.INDEX_HNSW_BEAM_WIDTH.get();
  }

  /**
   * Lucene's indexing buffer of a shard writer, in MB: system property
   * {@code model2vec.index.ram-buffer-mb}, by default a third of the heap shared by the writers
   * of all cores ({@code maxMemory / (3 * availableProcessors)}), at least 256 and at most 1,945
   * (Lucene's limit per writing thread). A shard whose rows fit (about 1.5 KB a row with 256
   * dims and the default graph) is one segment when committed; a larger one is flushed in
   * several, which commit merges into one graph, re-inserting the smaller segments' vectors read
   * back from disk: slower per row than building them in memory.
   */
  public static int ramBufferMb() {
    Integer set = Settings.INDEX_RAM_BUFFER_MB.get();
    if (set != null) {
      return set;
    }
    long perWriter = Runtime.getRuntime().maxMemory()
        / (3L * Runtime.getRuntime().availableProcessors()) / (1024 * 1024);
    return (int) Math.max(256, Math.min(1945, perWriter));
  }

  private final Path folder;
  private final int dimensions;
  private final List<String> storedFields;
  private final IndexWriter writer;
  private final float[] scratch;
  private long rows;
  private boolean committed;

  private IndexShardWriter(Path folder, int dimensions, List<String> storedFields,
      IndexWriter writer) {
    this.folder = folder;
    this.dimensions = dimensions;
    this.storedFields = storedFields;
    this.writer = writer;
    this.scratch = new float[dimensions];
  }

  /**
   * A writer of a new shard in {@code folder} (created; must be empty or absent) for vectors of
   * {@code dimensions} and the stored columns {@code storedFields}, in this order.
   */
  public static IndexShardWriter create(Path folder, int dimensions, Quantization quantization,
      List<String> storedFields) {
    Objects.requireNonNull(folder, "folder");
    Objects.requireNonNull(quantization, "quantization");
    if (dimensions < 1 || dimensions > 4096) {
      throw new IllegalArgumentException("dimensions must be in [1, 4096] (Lucene's limit), was "
          + dimensions);
    }
    try {
      Files.createDirectories(folder);
      try (var entries = Files.list(folder)) {
        if (entries.findAny().isPresent()) {
          throw new IndexException(folder + ": a new shard's folder must be empty");
        }
      }
      int m = maxConn();
      int beam = beamWidth();
      // Lucene's format, its graph built with the Vector API where Lucene would score scalar
      KnnVectorsFormat format = new GraphBuildFormat(m, beam, quantization);
      TieredMergePolicy merges = new TieredMergePolicy();
      merges.setNoCFSRatio(0.0); // plain files: the size of the vector data is visible per file
      IndexWriterConfig config = new IndexWriterConfig()
          .setOpenMode(IndexWriterConfig.OpenMode.CREATE)
          .setRAMBufferSizeMB(ramBufferMb()) // a shard that fits is one segment: no merge
          .setUseCompoundFile(false)
          .setMergePolicy(merges)
          .setCodec(new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
              return format;
            }
          });
      return new IndexShardWriter(folder, dimensions, List.copyOf(storedFields),
          new IndexWriter(FSDirectory.open(folder), config));
    } catch (IOException e) {
      throw new UncheckedIOException(folder + ": cannot create an index shard: " + e.getMessage(), e);
    }
  }

  /**
   * Adds a row. {@code vector} is L2-normalized on the way in (a copy; a zero vector, a text
   * without known tokens, stays zero and scores 0 against everything); {@code stored} holds one
   * value (or null) per stored column. {@code text} may be null.
   */
  public void add(String id, String text, float[] vector, String[] stored) {
    if (id == null) {
      throw new IllegalArgumentException("row " + (rows + 1) + " of shard " + folder
          + ": the id is null");
    }
    if (vector == null || vector.length != dimensions) {
      throw new IllegalArgumentException("row " + (rows + 1) + " (id " + id + ") of shard "
          + folder + ": vector has " + (vector == null ? "no" : vector.length + "")
          + " dimensions, the index has " + dimensions);
    }
    int nStored = stored == null ? 0 : stored.length;
    if (nStored != storedFields.size()) {
      throw new IllegalArgumentException("row " + (rows + 1) + " (id " + id + ") of shard "
          + folder + ": " + nStored + " stored values for the columns " + storedFields);
    }
    if (committed) {
      throw new IllegalStateException("shard " + folder + " is committed; add before commit()");
    }
    Vectors.normalizeInto(vector, scratch);
    Document doc = new Document();
    doc.add(new StoredField(ID, id));
    if (text != null) {
      doc.add(new StoredField(TEXT, text));
    }
    for (int i = 0; i < nStored; i++) {
      if (stored[i] != null) {
        doc.add(new StoredField(FIELD_PREFIX + storedFields.get(i), stored[i]));
      }
    }
    // The field keeps the array until the document is indexed: a copy per row.
    doc.add(new KnnFloatVectorField(VECTOR, scratch.clone(), VectorSimilarityFunction.DOT_PRODUCT));
    try {
      writer.addDocument(doc);
    } catch (IOException e) {
      throw new UncheckedIOException("shard " + folder + ": " + e.getMessage(), e);
    }
    rows++;
  }

  /** Rows added so far. */
  public long rows() {
    return rows;
  }

  /** Merges into one segment, commits and closes the shard; returns its row count. */
  public long commit() {
    try {
      writer.forceMerge(1);
      writer.commit();
      writer.close();
      committed = true;
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException("shard " + folder + ": commit failed: " + e.getMessage(), e);
    }
  }

  /** Closes without committing, if not committed (the folder is the caller's to delete). */
  @Override
  public void close() {
    if (!committed) {
      try {
        writer.rollback();
      } catch (IOException e) {
        throw new UncheckedIOException("shard " + folder + ": " + e.getMessage(), e);
      }
      committed = true;
    }
  }
}
