package io.model2vec.index;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Internal: not part of the API (public for the engine adapters, the bench and the tests). Writes
 * rows of an IVF index without an engine: each row's vector normalized, assigned to its nearest
 * centroid and coded as int8; rows are held per list and written on {@link #commit} as one
 * Parquet file per non-empty list ({@code list=NNNNN/NAME.parquet}), the same columns and
 * encodings as Spark writes for {@code spark-index}. Not thread-safe: one writer per thread.
 */
public final class IvfWriter {
  /** Parquet columns of a list file; kept columns follow under their own names. */
  public static final String ID = "id";
  public static final String TEXT = "text";
  public static final String CODE = "code";
  public static final String SCALE = "scale";
  /** Names a kept column may not have: the row's own columns, the hit's score, the partition. */
  public static final List<String> RESERVED = List.of(ID, TEXT, CODE, SCALE, "score", "list");

  private final Path folder;
  private final IvfKernels.Centroids centroids;
  private final int lists;
  private final int dims;
  private final List<String> kept;
  private final boolean storeText;
  private final String fileName;
  private final List<Parquet.Column> columns;
  private final ListBuffer[] buffers;
  private final float[] unit;
  private final byte[] code;
  // rows waiting for their list: assigned BATCH at a time (IvfKernels.Centroids#nearestBatch)
  private final float[] pending;
  private final String[] pendingIds;
  private final String[] pendingTexts;
  private final String[][] pendingFields;
  private final int[] assigned = new int[IvfKernels.Centroids.BATCH];
  private final IvfKernels.Centroids.BatchScratch batchScratch;
  private int waiting;

  private IvfWriter(Path folder, float[] centroids, int dims, List<String> kept,
      boolean storeText, String fileName) {
    if (dims < 1 || centroids.length % dims != 0 || centroids.length == 0) {
      throw new IllegalArgumentException("centroids must hold lists x " + dims
          + " floats, had " + centroids.length);
    }
    if (!fileName.matches("[A-Za-z0-9_][A-Za-z0-9._=-]*\\.parquet")) {
      throw new IllegalArgumentException("file name must be a plain NAME.parquet, was "
          + fileName);
    }
    this.folder = folder;
    this.centroids = new IvfKernels.Centroids(centroids, dims);
    this.lists = centroids.length / dims;
    this.dims = dims;
    this.kept = List.copyOf(kept);
    this.storeText = storeText;
    this.fileName = fileName;
    this.columns = columns(this.kept, storeText);
    this.buffers = new ListBuffer[lists];
    this.unit = new float[dims];
    this.code = new byte[dims];
    int batch = IvfKernels.Centroids.BATCH;
    this.pending = new float[batch * dims];
    this.pendingIds = new String[batch];
    this.pendingTexts = new String[batch];
    this.pendingFields = new String[batch][];
    this.batchScratch = this.centroids.batchScratch();
  }

  /** A writer of rows into the index folder {@code folder}, files named {@code fileName}. */
  public static IvfWriter create(Path folder, float[] centroids, int dims, List<String> kept,
      boolean storeText, String fileName) {
    return new IvfWriter(folder, centroids, dims, kept, storeText, fileName);
  }

  /** The Parquet columns of a list file. */
  public static List<Parquet.Column> columns(List<String> kept, boolean storeText) {
    List<Parquet.Column> c = new ArrayList<>();
    c.add(Parquet.Column.string(ID, false));
    if (storeText) {
      c.add(Parquet.Column.string(TEXT, true));
    }
    c.add(Parquet.Column.binary(CODE));
    c.add(Parquet.Column.floats(SCALE));
    for (String k : kept) {
      c.add(Parquet.Column.string(k, true));
    }
    return c;
  }

  /** Adds a row; {@code vector} has the index's dimensions (it is normalized here). */
  public void add(String id, String text, float[] vector, String[] fields) {
    if (id == null) {
      throw new IllegalArgumentException("row id must not be null");
    }
    if (vector.length != dims || fields.length != kept.size()) {
      throw new IllegalArgumentException("row " + id + ": vector of " + vector.length
          + " dimensions and " + fields.length + " kept fields, the index has " + dims + " and "
          + kept.size());
    }
    Vectors.normalizeInto(vector, unit);
    System.arraycopy(unit, 0, pending, waiting * dims, dims);
    pendingIds[waiting] = id;
    pendingTexts[waiting] = storeText ? text : null;
    pendingFields[waiting] = fields.clone(); // the caller may reuse its array
    if (++waiting == IvfKernels.Centroids.BATCH) {
      assignWaiting();
    }
  }

  /** Assigns the waiting rows to their lists, in the order they were added. */
  private void assignWaiting() {
    centroids.nearestBatch(pending, waiting, assigned, batchScratch);
    for (int r = 0; r < waiting; r++) {
      System.arraycopy(pending, r * dims, unit, 0, dims);
      float scale = IvfKernels.quantize(unit, code);
      ListBuffer b = buffers[assigned[r]];
      if (b == null) {
        b = buffers[assigned[r]] = new ListBuffer(columns);
      }
      b.add(pendingIds[r], pendingTexts[r], storeText, code, scale, pendingFields[r]);
      pendingIds[r] = null;
      pendingTexts[r] = null;
      pendingFields[r] = null;
    }
    waiting = 0;
  }

  /** Writes the files of the non-empty lists; returns them in list order. */
  public List<IvfLayout.ListFile> commit() throws IOException {
    assignWaiting();
    List<IvfLayout.ListFile> out = new ArrayList<>();
    for (int l = 0; l < lists; l++) {
      ListBuffer b = buffers[l];
      if (b == null) {
        continue;
      }
      String rel = IvfLayout.listFolder(l) + "/" + fileName;
      Path file = folder.resolve(rel);
      Files.createDirectories(file.getParent());
      try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        Parquet.write(o, b.pages, b.rows());
      }
      out.add(new IvfLayout.ListFile(l, rel, b.rows()));
      buffers[l] = null;
    }
    return out;
  }

  /** {@code v / |v|}, a new array (the zero vector stays zero). */
  public static float[] normalizedCopy(float[] v) {
    return Vectors.normalized(v);
  }

  /** Writes {@code centroids} to {@link IvfLayout#CENTROIDS} in {@code folder}; its CRC-32. */
  public static long writeCentroids(Path folder, float[] centroids) throws IOException {
    byte[] bytes = centroidBytes(centroids);
    Files.write(folder.resolve(IvfLayout.CENTROIDS), bytes);
    return crc(bytes);
  }

  /** The centroids file's bytes: little-endian floats. */
  public static byte[] centroidBytes(float[] centroids) {
    ByteBuffer b = ByteBuffer.allocate(centroids.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(centroids);
    return b.array();
  }

  public static long crc(byte[] bytes) {
    CRC32 c = new CRC32();
    c.update(bytes);
    return c.getValue();
  }

  /** The rows of one list: a Parquet page a column ({@link #columns}' order), filled as rows come. */
  private static final class ListBuffer {
    final Parquet.Page[] pages;

    ListBuffer(List<Parquet.Column> columns) {
      pages = new Parquet.Page[columns.size()];
      for (int c = 0; c < pages.length; c++) {
        pages[c] = new Parquet.Page(columns.get(c));
      }
    }

    void add(String id, String text, boolean storeText, byte[] code, float scale, String[] f) {
      int c = 0;
      pages[c++].addString(id);
      if (storeText) {
        pages[c++].addString(text);
      }
      pages[c++].addBytes(code, 0, code.length);
      pages[c++].addFloat(scale);
      for (String field : f) {
        pages[c++].addString(field);
      }
    }

    int rows() {
      return pages[0].rows();
    }
  }
}
