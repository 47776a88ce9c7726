package io.model2vec.distill;

import io.model2vec.Model2VecException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The binary file of {@link Featurizer}: the teacher's target vector of every passage of a corpus,
 * with the passage itself, in append-only chunks.
 *
 * <pre>
 * header  : "M2VFEAT1" (8 bytes) | int32 hidden                                  (12 bytes)
 * chunk   : int32 0x4B4E4843 ("CHNK") | int32 first line | int32 lines | int32 rows
 *           | int32 payload bytes | int32 CRC-32 of the payload                  (24 bytes)
 * payload : rows x ( int32 line | int32 n | n bytes UTF-8 text | hidden x float32 )
 * </pre>
 *
 * All little-endian. A chunk covers corpus lines {@code [first, first + lines)} (0-based; blank
 * lines and texts without tokens have no row) and directly follows the previous one, so the lines
 * done are those of the last complete chunk. A chunk is written with one call and forced to disk;
 * a tail that is not a complete chunk with the right CRC (a run killed mid-write) is dropped when
 * the file is opened for appending.
 */
public final class FeatureFile {
  static final byte[] MAGIC = "M2VFEAT1".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER = 12;
  static final int CHUNK_MAGIC = 0x4B4E4843;
  static final int CHUNK_HEADER = 24;
  /** A chunk larger than this is not one of ours: a corrupted header. */
  private static final int MAX_PAYLOAD = 1 << 30;

  /** One passage and its target. */
  public static final class Row {
    /** 0-based line of the corpus file. */
    public final int line;
    public final String text;
    public final float[] vector;

    Row(int line, String text, float[] vector) {
      this.line = line;
      this.text = text;
      this.vector = vector;
    }
  }

  /** What a scan of the file found: the complete chunks and where they end. */
  static final class Scan {
    final int hidden;
    /** Corpus lines covered by the complete chunks. */
    final int lines;
    final int rows;
    final int chunks;
    /** Byte offset after the last complete chunk. */
    final long end;
    /** Bytes after {@link #end}: a partial or corrupted tail. */
    final long tail;

    Scan(int hidden, int lines, int rows, int chunks, long end, long tail) {
      this.hidden = hidden;
      this.lines = lines;
      this.rows = rows;
      this.chunks = chunks;
      this.end = end;
      this.tail = tail;
    }
  }

  private FeatureFile() {}

  /** Every row of the complete chunks of {@code file}, in corpus order. */
  public static List<Row> read(Path file) {
    List<Row> rows = new ArrayList<>();
    Scan s = scan(file, rows);
    if (s.tail > 0) {
      throw new Model2VecException(file + " ends in " + s.tail + " bytes that are not a complete "
          + "chunk (an interrupted featurize run: run it again to finish the file)");
    }
    return rows;
  }

  /** The hidden size stored in the header of {@code file}. */
  public static int hidden(Path file) {
    return scan(file, null).hidden;
  }

  /**
   * Checks the header and every chunk (sizes, order, CRC); collects rows into {@code rows} unless
   * it is null. Stops at the first chunk that is incomplete or corrupted: its offset is
   * {@link Scan#end}.
   */
  static Scan scan(Path file, List<Row> rows) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer head = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
      if (size < HEADER || readFully(ch, head, 0) < HEADER) {
        throw new Model2VecException(file + " is not a feature file: shorter than its "
            + HEADER + "-byte header");
      }
      head.flip();
      byte[] magic = new byte[MAGIC.length];
      head.get(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new Model2VecException(file + " is not a feature file: it does not start with "
            + "M2VFEAT1");
      }
      int hidden = head.getInt();
      if (hidden <= 0) {
        throw new Model2VecException(file + " has hidden size " + hidden + " in its header");
      }
      long pos = HEADER;
      int lines = 0;
      int nrows = 0;
      int chunks = 0;
      ByteBuffer ch0 = ByteBuffer.allocate(CHUNK_HEADER).order(ByteOrder.LITTLE_ENDIAN);
      while (pos + CHUNK_HEADER <= size) {
        ch0.clear();
        readFully(ch, ch0, pos);
        ch0.flip();
        int magicChunk = ch0.getInt();
        int first = ch0.getInt();
        int n = ch0.getInt();
        int r = ch0.getInt();
        int bytes = ch0.getInt();
        int crc = ch0.getInt();
        if (magicChunk != CHUNK_MAGIC || first != lines || n < 0 || r < 0 || r > n
            || bytes < 0 || bytes > MAX_PAYLOAD || pos + CHUNK_HEADER + bytes > size) {
          break;
        }
        ByteBuffer payload = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, payload, pos + CHUNK_HEADER);
        payload.flip();
        CRC32 c = new CRC32();
        c.update(payload.duplicate());
        if ((int) c.getValue() != crc) {
          break;
        }
        if (rows != null) {
          parse(file, payload, r, hidden, first, first + n, pos, rows);
        }
        pos += CHUNK_HEADER + bytes;
        lines += n;
        nrows += r;
        chunks++;
      }
      return new Scan(hidden, lines, nrows, chunks, pos, size - pos);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + file, e);
    }
  }

  private static void parse(Path file, ByteBuffer p, int rows, int hidden, int from, int to,
      long offset, List<Row> out) {
    try {
      for (int i = 0; i < rows; i++) {
        int line = p.getInt();
        int n = p.getInt();
        if (line < from || line >= to || n < 0 || n > p.remaining()) {
          throw new Model2VecException(file + ": the chunk at byte " + offset + " has a row for "
              + "line " + line + " (text of " + n + " bytes) outside its lines [" + from + ", "
              + to + ")");
        }
        byte[] t = new byte[n];
        p.get(t);
        float[] v = new float[hidden];
        p.asFloatBuffer().get(v);
        p.position(p.position() + 4 * hidden);
        out.add(new Row(line, new String(t, StandardCharsets.UTF_8), v));
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new Model2VecException(file + ": the chunk at byte " + offset + " is shorter than its "
          + rows + " rows", e);
    }
    if (p.hasRemaining()) {
      throw new Model2VecException(file + ": the chunk at byte " + offset + " has "
          + p.remaining() + " bytes after its " + rows + " rows");
    }
  }

  /** The bytes of one chunk, header included. */
  static ByteBuffer chunk(int first, int lines, List<Row> rows, int hidden) {
    int bytes = 0;
    List<byte[]> texts = new ArrayList<>(rows.size());
    for (Row r : rows) {
      byte[] t = r.text.getBytes(StandardCharsets.UTF_8);
      texts.add(t);
      bytes += 8 + t.length + 4 * hidden;
    }
    ByteBuffer b = ByteBuffer.allocate(CHUNK_HEADER + bytes).order(ByteOrder.LITTLE_ENDIAN);
    b.position(CHUNK_HEADER);
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      if (r.vector.length != hidden) {
        throw new IllegalArgumentException("row for line " + r.line + " has " + r.vector.length
            + " values, expected " + hidden);
      }
      b.putInt(r.line).putInt(texts.get(i).length).put(texts.get(i));
      for (float x : r.vector) {
        b.putFloat(x);
      }
    }
    CRC32 c = new CRC32();
    c.update(b.array(), CHUNK_HEADER, bytes);
    b.putInt(0, CHUNK_MAGIC).putInt(4, first).putInt(8, lines).putInt(12, rows.size())
        .putInt(16, bytes).putInt(20, (int) c.getValue());
    b.position(0);
    return b;
  }

  /** A new file holding only the header. */
  static void create(Path file, int hidden) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putInt(hidden).flip();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  private static int readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    int total = 0;
    while (b.hasRemaining()) {
      int n = ch.read(b, pos + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }
}
