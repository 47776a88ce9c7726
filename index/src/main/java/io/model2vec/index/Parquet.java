package io.model2vec.index;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Internal: not part of the API (public for the engine adapters). The few Parquet files an IVF
 * index holds, read and written without Hadoop or parquet-java: flat schemas of BYTE_ARRAY
 * (string or binary), FLOAT and INT32 columns, REQUIRED or OPTIONAL, PLAIN values in uncompressed
 * v1 data pages with RLE definition levels. That is what this class writes and what Spark's own
 * Parquet writer writes with {@code compression=none} and {@code parquet.enable.dictionary=false}
 * (the options {@code spark-index} gives it); anything else (a dictionary, a codec, v2 pages,
 * nested columns) is refused with one line naming the file and the column.
 *
 * <p>A hostile file costs at most its own length: the footer, every Thrift length and count and
 * every page size are checked against the bytes that are actually there before anything is
 * allocated, and Thrift structures nest at most {@value #MAX_DEPTH} deep.
 */
public final class Parquet {
  static final byte[] MAGIC = {'P', 'A', 'R', '1'};
  /** A footer larger than this is refused (ours are a few kB; Spark's with statistics, more). */
  static final int MAX_FOOTER = 16 << 20;
  static final int MAX_DEPTH = 32;

  /** Physical types (parquet.thrift). */
  public static final int INT32 = 1;
  public static final int FLOAT = 4;
  public static final int BYTE_ARRAY = 6;

  private Parquet() {}

  /** Positional reads of a file (a local file channel, or a Hadoop stream). */
  public interface Source {
    long length() throws IOException;

    void readFully(long position, byte[] buffer, int offset, int length) throws IOException;
  }

  /** One column of a flat schema. */
  public static final class Column {
    final String name;
    final int type;
    final boolean optional;
    final boolean string;

    Column(String name, int type, boolean optional, boolean string) {
      this.name = name;
      this.type = type;
      this.optional = optional;
      this.string = string;
    }

    public static Column string(String name, boolean optional) {
      return new Column(name, BYTE_ARRAY, optional, true);
    }

    public static Column binary(String name) {
      return new Column(name, BYTE_ARRAY, false, false);
    }

    public static Column floats(String name) {
      return new Column(name, FLOAT, false, false);
    }

    public String name() {
      return name;
    }
  }

  // ---------------------------------------------------------------- writing

  /**
   * Writes one row group of {@code rows} rows: {@code values[c]} is a {@code byte[][]} for a
   * BYTE_ARRAY column (null elements for nulls of an optional one) or a {@code float[]}.
   */
  public static void write(OutputStream out, List<Column> columns, Object[] values, int rows)
      throws IOException {
    Page[] pages = new Page[columns.size()];
    for (int c = 0; c < pages.length; c++) {
      Column col = columns.get(c);
      Page page = pages[c] = new Page(col);
      if (col.type == FLOAT) {
        float[] v = (float[]) values[c];
        for (int r = 0; r < rows; r++) {
          page.addFloat(v[r]);
        }
      } else {
        byte[][] v = (byte[][]) values[c];
        for (int r = 0; r < rows; r++) {
          page.addBytes(v[r], r);
        }
      }
    }
    write(out, pages, rows);
  }

  /** Writes one row group whose columns' values are in {@code pages}, each of {@code rows}. */
  public static void write(OutputStream out, Page[] pages, int rows) throws IOException {
    CountingOut o = new CountingOut(out);
    o.write(MAGIC);
    long[] offsets = new long[pages.length];
    long[] sizes = new long[pages.length];
    for (int c = 0; c < pages.length; c++) {
      Page page = pages[c];
      if (page.rows != rows) {
        throw new IllegalArgumentException("column " + page.column.name + " holds " + page.rows
            + " rows, the row group " + rows);
      }
      byte[] levels = page.column.optional ? page.definitionLevels() : new byte[0];
      int size = (int) ((page.column.optional ? 4 + levels.length : 0) + page.size);
      Thrift.Writer h = new Thrift.Writer();
      h.i32(1, 0); // DATA_PAGE
      h.i32(2, size);
      h.i32(3, size);
      h.beginStruct(5);
      h.i32(1, rows);
      h.i32(2, 0); // PLAIN
      h.i32(3, 3); // RLE
      h.i32(4, 3);
      h.endStruct();
      h.stop();
      offsets[c] = o.count;
      o.write(h.bytes());
      if (page.column.optional) {
        writeIntLe(o, levels.length);
        o.write(levels);
      }
      page.writeTo(o);
      sizes[c] = o.count - offsets[c];
    }
    Thrift.Writer f = new Thrift.Writer();
    f.i32(1, 1);
    f.beginList(2, Thrift.STRUCT, pages.length + 1);
    f.beginElement();
    f.string(4, "spark_schema");
    f.i32(5, pages.length);
    f.endStruct();
    for (Page page : pages) {
      Column col = page.column;
      f.beginElement();
      f.i32(1, col.type);
      f.i32(3, col.optional ? 1 : 0);
      f.string(4, col.name);
      if (col.string) {
        f.i32(6, 0); // UTF8
        f.beginStruct(10);
        f.beginStruct(1); // LogicalType.STRING
        f.endStruct();
        f.endStruct();
      }
      f.endStruct();
    }
    f.i64(3, rows);
    f.beginList(4, Thrift.STRUCT, 1);
    f.beginElement();
    f.beginList(1, Thrift.STRUCT, pages.length);
    long total = 0;
    for (int c = 0; c < pages.length; c++) {
      Column col = pages[c].column;
      f.beginElement();
      f.i64(2, offsets[c]);
      f.beginStruct(3);
      f.i32(1, col.type);
      f.beginList(2, Thrift.I32, 2);
      f.rawI32(0);
      f.rawI32(3);
      f.beginList(3, Thrift.BINARY, 1);
      f.rawString(col.name);
      f.i32(4, 0); // UNCOMPRESSED
      f.i64(5, rows);
      f.i64(6, sizes[c]);
      f.i64(7, sizes[c]);
      f.i64(9, offsets[c]);
      f.endStruct();
      f.endStruct();
      total += sizes[c];
    }
    f.i64(2, total);
    f.i64(3, rows);
    f.endStruct();
    f.string(6, "model2vec-index");
    f.stop();
    byte[] footer = f.bytes();
    o.write(footer);
    writeIntLe(o, footer.length);
    o.write(MAGIC);
    o.flush();
  }

  /**
   * One column's values in a row group, PLAIN-encoded as they are added: chunks of 64 kB (and a
   * bitmap of the rows that have a value, for an optional column) instead of an object a row, so
   * a writer holding a million rows until its commit gives the collector a few thousand arrays to
   * move, not millions of small ones, and a growing page is never copied.
   */
  public static final class Page {
    static final int CHUNK = 1 << 16;
    final Column column;
    byte[][] chunks = new byte[1][];
    int full; // chunks[0, full) are full; chunks[full] is being filled, up to at
    int at;
    long size;
    byte[] present; // optional columns: bit r % 8 of byte r / 8 is set when row r has a value
    int rows;
    private final byte[] word = new byte[4];

    public Page(Column column) {
      this.column = column;
      this.present = column.optional ? new byte[8] : null;
      this.chunks[0] = new byte[256]; // the first chunk grows to CHUNK: small lists stay small
    }

    public int rows() {
      return rows;
    }

    /** Appends {@code len} bytes of {@code b} from {@code off}. */
    private void put(byte[] b, int off, int len) {
      if (size + len > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("column " + column.name + ": a page of more than 2 "
            + "GB; write fewer rows a file");
      }
      size += len;
      while (len > 0) {
        byte[] chunk = chunks[full];
        if (at == chunk.length) {
          if (chunk.length < CHUNK) {
            chunk = chunks[full] = java.util.Arrays.copyOf(chunk, Math.min(CHUNK, chunk.length * 4));
          } else {
            if (++full == chunks.length) {
              chunks = java.util.Arrays.copyOf(chunks, chunks.length * 2);
            }
            chunk = chunks[full] = new byte[CHUNK];
            at = 0;
          }
        }
        int n = Math.min(len, chunk.length - at);
        System.arraycopy(b, off, chunk, at, n);
        at += n;
        off += n;
        len -= n;
      }
    }

    private void putInt(int v) {
      intLe(word, 0, v);
      put(word, 0, 4);
    }

    /** Writes the values to {@code o}. */
    void writeTo(OutputStream o) throws IOException {
      for (int c = 0; c < full; c++) {
        o.write(chunks[c]);
      }
      o.write(chunks[full], 0, at);
    }

    /** Adds a FLOAT value. */
    public void addFloat(float v) {
      if (column.type != FLOAT) {
        throw new IllegalArgumentException("column " + column.name + " does not hold floats");
      }
      putInt(Float.floatToRawIntBits(v));
      next(true);
    }

    /** Adds a BYTE_ARRAY value, {@code null} for a null of an optional column. */
    public void addBytes(byte[] v, int row) {
      if (v == null) {
        addNull(row);
      } else {
        addBytes(v, 0, v.length);
      }
    }

    /** Adds a BYTE_ARRAY value: {@code len} bytes of {@code v} from {@code off}. */
    public void addBytes(byte[] v, int off, int len) {
      byteArrayColumn();
      putInt(len);
      put(v, off, len);
      next(true);
    }

    /** Adds a string (UTF-8), {@code null} for a null of an optional column. */
    public void addString(String v) {
      if (v == null) {
        addNull(rows);
        return;
      }
      byte[] utf8 = v.getBytes(StandardCharsets.UTF_8);
      addBytes(utf8, 0, utf8.length);
    }

    private void addNull(int row) {
      if (!column.optional) {
        throw new IllegalArgumentException("column " + column.name + " is required, row " + row
            + " is null");
      }
      next(false);
    }

    private void byteArrayColumn() {
      if (column.type != BYTE_ARRAY) {
        throw new IllegalArgumentException("column " + column.name + " does not hold bytes");
      }
    }

    private void next(boolean has) {
      if (present != null) {
        if (rows / 8 >= present.length) {
          present = java.util.Arrays.copyOf(present, present.length * 2);
        }
        if (has) {
          present[rows / 8] |= (byte) (1 << (rows % 8));
        }
      }
      rows++;
    }

    /** The RLE/bit-packed hybrid of the definition levels: one bit-packed run (bit width 1). */
    byte[] definitionLevels() {
      int groups = (rows + 7) / 8;
      ByteArrayOutputStream b = new ByteArrayOutputStream(groups + 8);
      writeVarint(b, ((long) groups << 1) | 1);
      b.write(present, 0, groups);
      return b.toByteArray();
    }
  }

  private static void intLe(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  private static void writeIntLe(OutputStream o, int v) throws IOException {
    o.write(v);
    o.write(v >>> 8);
    o.write(v >>> 16);
    o.write(v >>> 24);
  }

  static void writeVarint(ByteArrayOutputStream o, long v) {
    while ((v & ~0x7FL) != 0) {
      o.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    o.write((int) v);
  }

  private static final class CountingOut extends OutputStream {
    final OutputStream out;
    long count;

    CountingOut(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }
  }

  // ---------------------------------------------------------------- reading

  /** An opened file: its footer parsed; columns read on demand. */
  public static final class Reader {
    final String name;
    final Source in;
    final long length;
    final long rows;
    final Map<String, Column> schema = new LinkedHashMap<>();
    /** Per row group: rows, and per column name its chunk. */
    final List<long[]> groupRows = new ArrayList<>();
    final List<Map<String, long[]>> chunks = new ArrayList<>();

    private Reader(String name, Source in) throws IOException {
      this.name = name;
      this.in = in;
      this.length = in.length();
      if (length < 12) {
        throw bad("too short to be a Parquet file (" + length + " bytes)");
      }
      byte[] tail = new byte[8];
      in.readFully(length - 8, tail, 0, 8);
      if (tail[4] != 'P' || tail[5] != 'A' || tail[6] != 'R' || tail[7] != '1') {
        throw bad("not a Parquet file (no PAR1 at its end)");
      }
      long footerLength = intLe(tail, 0) & 0xFFFFFFFFL;
      if (footerLength > Math.min(MAX_FOOTER, length - 12)) {
        throw bad("footer of " + footerLength + " bytes in a file of " + length);
      }
      byte[] footer = new byte[(int) footerLength];
      in.readFully(length - 8 - footerLength, footer, 0, footer.length);
      Thrift.Reader t = new Thrift.Reader(footer, this.name);
      long numRows = -1;
      List<String> order = new ArrayList<>();
      for (int f = t.field(); f != 0; f = t.field()) {
        if (f == 2 && t.type() == Thrift.LIST) {
          int n = t.listSize();
          for (int i = 0; i < n; i++) {
            t.beginStruct();
            readSchemaElement(t, i, order);
          }
        } else if (f == 3 && t.type() == Thrift.I64) {
          numRows = t.readLong();
        } else if (f == 4 && t.type() == Thrift.LIST) {
          int n = t.listSize();
          for (int i = 0; i < n; i++) {
            t.beginStruct();
            readRowGroup(t);
          }
        } else {
          t.skip();
        }
      }
      if (numRows < 0) {
        throw bad("footer has no row count");
      }
      long sum = 0;
      for (long[] g : groupRows) {
        sum += g[0];
      }
      if (sum != numRows) {
        throw bad("row groups hold " + sum + " rows, the footer says " + numRows);
      }
      this.rows = numRows;
    }

    private void readSchemaElement(Thrift.Reader t, int index, List<String> order)
        throws IOException {
      int type = -1;
      int repetition = 0;
      String colName = null;
      int children = 0;
      boolean string = false;
      for (int f = t.field(); f != 0; f = t.field()) {
        switch (f) {
          case 1: type = t.readInt(); break;
          case 3: repetition = t.readInt(); break;
          case 4: colName = t.readString(); break;
          case 5: children = t.readInt(); break;
          case 6: string = t.readInt() == 0; break;
          default: t.skip();
        }
      }
      if (index == 0) {
        return; // the root
      }
      if (children != 0 || repetition == 2 || type < 0) {
        throw bad("column " + colName + " is nested or repeated (this reader reads flat files)");
      }
      schema.put(colName, new Column(colName, type, repetition == 1, string));
      order.add(colName);
    }

    private void readRowGroup(Thrift.Reader t) throws IOException {
      Map<String, long[]> cols = new LinkedHashMap<>();
      long groupRowCount = -1;
      for (int f = t.field(); f != 0; f = t.field()) {
        if (f == 1 && t.type() == Thrift.LIST) {
          int n = t.listSize();
          for (int i = 0; i < n; i++) {
            t.beginStruct();
            readColumnChunk(t, cols);
          }
        } else if (f == 3 && t.type() == Thrift.I64) {
          groupRowCount = t.readLong();
        } else {
          t.skip();
        }
      }
      if (groupRowCount < 0) {
        throw bad("a row group has no row count");
      }
      groupRows.add(new long[] {groupRowCount});
      chunks.add(cols);
    }

    private void readColumnChunk(Thrift.Reader t, Map<String, long[]> cols) throws IOException {
      String path = null;
      long codec = -1;
      long values = -1;
      long size = -1;
      long dataOffset = -1;
      long dictionaryOffset = -1;
      for (int f = t.field(); f != 0; f = t.field()) {
        if (f == 1 && t.type() == Thrift.BINARY) {
          throw bad("a column chunk lives in another file (" + t.readString() + ")");
        } else if (f == 3 && t.type() == Thrift.STRUCT) {
          t.beginStruct();
          for (int g = t.field(); g != 0; g = t.field()) {
            switch (g) {
              case 3: {
                int n = t.listSize();
                StringBuilder p = new StringBuilder();
                for (int i = 0; i < n; i++) {
                  p.append(i == 0 ? "" : ".").append(t.readString());
                }
                path = p.toString();
                break;
              }
              case 4: codec = t.readInt(); break;
              case 5: values = t.readLong(); break;
              case 7: size = t.readLong(); break;
              case 9: dataOffset = t.readLong(); break;
              case 11: dictionaryOffset = t.readLong(); break;
              default: t.skip();
            }
          }
        } else {
          t.skip();
        }
      }
      if (path == null || values < 0 || size < 0 || dataOffset < 4) {
        throw bad("a column chunk without its path, value count, size or offset");
      }
      if (codec != 0) {
        throw bad("column " + path + " is compressed (codec " + codec + "); this reader reads "
            + "uncompressed files (spark-index writes them with compression=none)");
      }
      if (dictionaryOffset > 0) {
        throw bad("column " + path + " is dictionary-encoded; this reader reads PLAIN pages "
            + "(spark-index writes them with parquet.enable.dictionary=false)");
      }
      if (dataOffset + size > length - 8) {
        throw bad("column " + path + " ends past the file (" + (dataOffset + size) + " > "
            + length + ")");
      }
      cols.put(path, new long[] {dataOffset, size, values});
    }

    public static Reader open(String name, Source in) throws IOException {
      return new Reader(name, in);
    }

    public long rows() {
      return rows;
    }

    public boolean has(String column) {
      return schema.containsKey(column);
    }

    /** The values of a BYTE_ARRAY column (null for a null), in row order. */
    public byte[][] binary(String column) throws IOException {
      Column c = column(column, BYTE_ARRAY);
      byte[][] out = new byte[(int) rows][];
      int row = 0;
      for (int g = 0; g < chunks.size(); g++) {
        row = readChunk(c, g, out, null, row);
      }
      return out;
    }

    /** The values of a FLOAT column in row order (NaN for a null). */
    public float[] floats(String column) throws IOException {
      Column c = column(column, FLOAT);
      float[] out = new float[(int) rows];
      java.util.Arrays.fill(out, Float.NaN); // a null stays NaN
      int row = 0;
      for (int g = 0; g < chunks.size(); g++) {
        row = readChunk(c, g, null, out, row);
      }
      return out;
    }

    private Column column(String column, int type) throws IOException {
      Column c = schema.get(column);
      if (c == null) {
        throw bad("has no column " + column);
      }
      if (c.type != type) {
        throw bad("column " + column + " has physical type " + c.type + ", expected " + type);
      }
      if (rows > Integer.MAX_VALUE - 8) {
        throw bad(rows + " rows: too many for one file");
      }
      return c;
    }

    private int readChunk(Column c, int group, byte[][] bin, float[] flt, int row)
        throws IOException {
      long[] chunk = chunks.get(group).get(c.name);
      if (chunk == null) {
        throw bad("row group " + group + " has no chunk of column " + c.name);
      }
      long groupRowCount = groupRows.get(group)[0];
      if (chunk[2] != groupRowCount || row + groupRowCount > rows) {
        throw bad("column " + c.name + " has " + chunk[2] + " values in a row group of "
            + groupRowCount + " rows");
      }
      // the whole chunk at once: its size was checked against the file
      byte[] data = new byte[(int) Math.min(chunk[1], Integer.MAX_VALUE - 8)];
      if (data.length != chunk[1]) {
        throw bad("column " + c.name + ": a chunk of " + chunk[1] + " bytes is too large");
      }
      in.readFully(chunk[0], data, 0, data.length);
      int pos = 0;
      long end = row + groupRowCount;
      while (row < end) {
        if (pos >= data.length) {
          throw bad("column " + c.name + ": pages end after " + row + " of " + end + " rows");
        }
        Thrift.Reader h = new Thrift.Reader(data, pos, data.length, name);
        int type = -1;
        int size = -1;
        int compressed = -1;
        int values = -1;
        int encoding = -1;
        for (int f = h.field(); f != 0; f = h.field()) {
          switch (f) {
            case 1: type = h.readInt(); break;
            case 2: size = h.readInt(); break;
            case 3: compressed = h.readInt(); break;
            case 5:
              if (h.type() != Thrift.STRUCT) {
                throw bad("column " + c.name + ": a page header's data_page_header is not a struct");
              }
              h.beginStruct();
              for (int g = h.field(); g != 0; g = h.field()) {
                if (g == 1) {
                  values = h.readInt();
                } else if (g == 2) {
                  encoding = h.readInt();
                } else {
                  h.skip();
                }
              }
              break;
            default: h.skip();
          }
        }
        pos = h.position();
        if (type != 0) {
          throw bad("column " + c.name + ": page type " + type + " (this reader reads v1 data "
              + "pages)");
        }
        if (size < 0 || size != compressed || size > data.length - pos) {
          throw bad("column " + c.name + ": page of " + size + " bytes (" + compressed
              + " stored) at " + (chunk[0] + pos) + " does not fit its chunk");
        }
        if (encoding != 0) {
          throw bad("column " + c.name + ": encoding " + encoding + " (this reader reads PLAIN)");
        }
        if (values < 0 || values > end - row) {
          throw bad("column " + c.name + ": a page of " + values + " values past the row group");
        }
        decodePage(c, data, pos, pos + size, values, bin, flt, row);
        row += values;
        pos += size;
      }
      return row;
    }

    private void decodePage(Column c, byte[] d, int pos, int end, int values, byte[][] bin,
        float[] flt, int row) throws IOException {
      boolean[] present = null;
      if (c.optional) {
        if (end - pos < 4) {
          throw bad("column " + c.name + ": page too short for its definition levels");
        }
        int len = intLe(d, pos);
        pos += 4;
        if (len < 0 || len > end - pos) {
          throw bad("column " + c.name + ": definition levels of " + len + " bytes");
        }
        present = levels(d, pos, pos + len, values, c.name);
        pos += len;
      }
      for (int i = 0; i < values; i++) {
        if (present != null && !present[i]) {
          continue; // bin[row + i] stays null
        }
        if (c.type == FLOAT) {
          if (end - pos < 4) {
            throw bad("column " + c.name + ": page ends inside a value");
          }
          flt[row + i] = Float.intBitsToFloat(intLe(d, pos));
          pos += 4;
        } else {
          if (end - pos < 4) {
            throw bad("column " + c.name + ": page ends inside a value");
          }
          int len = intLe(d, pos);
          pos += 4;
          if (len < 0 || len > end - pos) {
            throw bad("column " + c.name + ": a value of " + len + " bytes past its page");
          }
          byte[] v = new byte[len];
          System.arraycopy(d, pos, v, 0, len);
          bin[row + i] = v;
          pos += len;
        }
      }
    }

    /** RLE / bit-packed hybrid levels of bit width 1. */
    private boolean[] levels(byte[] d, int pos, int end, int values, String col)
        throws IOException {
      boolean[] out = new boolean[values];
      int i = 0;
      while (i < values) {
        long header = 0;
        int shift = 0;
        while (true) {
          if (pos >= end || shift > 35) {
            throw bad("column " + col + ": definition levels end early");
          }
          int b = d[pos++] & 0xFF;
          header |= (long) (b & 0x7F) << shift;
          shift += 7;
          if ((b & 0x80) == 0) {
            break;
          }
        }
        if ((header & 1) == 0) {
          long count = header >>> 1;
          if (pos >= end) {
            throw bad("column " + col + ": definition levels end early");
          }
          int value = d[pos++] & 0xFF;
          if (value > 1) {
            throw bad("column " + col + ": definition level " + value + " in a flat column");
          }
          for (long k = 0; k < count && i < values; k++) {
            out[i++] = value == 1;
          }
        } else {
          long bytes = header >>> 1; // groups of 8 one-bit values: one byte each
          if (bytes > end - pos) {
            throw bad("column " + col + ": definition levels end early");
          }
          for (long k = 0; k < bytes; k++) {
            int bits = d[pos++] & 0xFF;
            for (int j = 0; j < 8 && i < values; j++) {
              out[i++] = ((bits >>> j) & 1) != 0;
            }
          }
        }
      }
      return out;
    }

    IOException bad(String message) {
      return new IOException(name + ": " + message);
    }
  }

  static int intLe(byte[] b, int at) {
    return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16
        | (b[at + 3] & 0xFF) << 24;
  }

  /** The compact protocol of Thrift, as far as Parquet's footer and page headers need it. */
  static final class Thrift {
    static final int BOOL_TRUE = 1;
    static final int BOOL_FALSE = 2;
    static final int BYTE = 3;
    static final int I16 = 4;
    static final int I32 = 5;
    static final int I64 = 6;
    static final int DOUBLE = 7;
    static final int BINARY = 8;
    static final int LIST = 9;
    static final int SET = 10;
    static final int MAP = 11;
    static final int STRUCT = 12;

    static final class Writer {
      private final ByteArrayOutputStream b = new ByteArrayOutputStream();
      private final int[] last = new int[MAX_DEPTH];
      private int depth;

      private void header(int id, int type) {
        int delta = id - last[depth];
        if (delta > 0 && delta <= 15) {
          b.write(delta << 4 | type);
        } else {
          b.write(type);
          writeVarint(b, (id << 1) ^ (id >> 31));
        }
        last[depth] = id;
      }

      void i32(int id, int v) {
        header(id, I32);
        rawI32(v);
      }

      void i64(int id, long v) {
        header(id, I64);
        writeVarint(b, (v << 1) ^ (v >> 63));
      }

      void rawI32(int v) {
        writeVarint(b, (((long) v) << 1) ^ (v >> 31));
      }

      void string(int id, String s) {
        header(id, BINARY);
        rawString(s);
      }

      void rawString(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        writeVarint(b, bytes.length);
        b.write(bytes, 0, bytes.length);
      }

      /** A struct-typed field; its fields follow, then {@link #endStruct}. */
      void beginStruct(int id) {
        header(id, STRUCT);
        last[++depth] = 0;
      }

      /** A struct element of a list; its fields follow, then {@link #endStruct}. */
      void beginElement() {
        last[++depth] = 0;
      }

      void endStruct() {
        b.write(0);
        depth--;
      }

      void beginList(int id, int elementType, int size) {
        header(id, LIST);
        if (size < 15) {
          b.write(size << 4 | elementType);
        } else {
          b.write(0xF0 | elementType);
          writeVarint(b, size);
        }
      }

      /** Ends the top-level struct. */
      void stop() {
        b.write(0);
      }

      byte[] bytes() {
        return b.toByteArray();
      }
    }

    static final class Reader {
      private final byte[] d;
      private int pos;
      private final int end;
      private final String name;
      private final int[] last = new int[MAX_DEPTH + 1];
      private int depth;
      private int type;

      Reader(byte[] d, String name) {
        this(d, 0, d.length, name);
      }

      Reader(byte[] d, int pos, int end, String name) {
        this.d = d;
        this.pos = pos;
        this.end = end;
        this.name = name;
      }

      int position() {
        return pos;
      }

      int type() {
        return type;
      }

      /** The next field's id in the current struct, or 0 at its end (then it is left). */
      int field() throws IOException {
        int h = u8();
        if (h == 0) {
          if (depth > 0) {
            depth--;
          }
          return 0;
        }
        type = h & 0x0F;
        int delta = h >>> 4;
        int id = delta == 0 ? (int) zigzag(varint()) : last[depth] + delta;
        last[depth] = id;
        return id;
      }

      /** Enters a struct (a struct field just read, or a list's struct element). */
      void beginStruct() throws IOException {
        if (depth >= MAX_DEPTH) {
          throw new IOException(name + ": Thrift structures nested more than " + MAX_DEPTH
              + " deep");
        }
        last[++depth] = 0;
      }

      /** Reads a list header (the field just read must be a list) and returns its size. */
      int listSize() throws IOException {
        if (type != LIST && type != SET) {
          throw new IOException(name + ": a list expected, found Thrift type " + type);
        }
        int h = u8();
        long size = h >>> 4;
        if (size == 15) {
          size = varint();
        }
        if (size > end - pos) {
          throw new IOException(name + ": a list of " + size + " elements in " + (end - pos)
              + " bytes");
        }
        type = h & 0x0F;
        return (int) size;
      }

      int readInt() throws IOException {
        long v = zigzag(varint());
        if (v != (int) v) {
          throw new IOException(name + ": a Thrift i32 out of range: " + v);
        }
        return (int) v;
      }

      long readLong() throws IOException {
        long v = zigzag(varint());
        return v;
      }

      String readString() throws IOException {
        long len = varint();
        if (len > end - pos) {
          throw new IOException(name + ": a string of " + len + " bytes in " + (end - pos));
        }
        String s = new String(d, pos, (int) len, StandardCharsets.UTF_8);
        pos += (int) len;
        return s;
      }

      /** Skips the value of the field just read by field() (or a list element of type t). */
      void skip() throws IOException {
        skip(type, 0);
      }

      private void skip(int t, int level) throws IOException {
        if (level > MAX_DEPTH) {
          throw new IOException(name + ": Thrift values nested more than " + MAX_DEPTH
              + " deep");
        }
        switch (t) {
          case BOOL_TRUE:
          case BOOL_FALSE:
            return; // in a field header
          case BYTE:
            need(1);
            pos++;
            return;
          case I16:
          case I32:
          case I64:
            varint();
            return;
          case DOUBLE:
            need(8);
            pos += 8;
            return;
          case BINARY: {
            long len = varint();
            need(len);
            pos += (int) len;
            return;
          }
          case LIST:
          case SET: {
            int h = u8();
            long size = h >>> 4;
            if (size == 15) {
              size = varint();
            }
            need(size);
            int et = h & 0x0F;
            for (long i = 0; i < size; i++) {
              if (et == BOOL_TRUE || et == BOOL_FALSE) {
                need(1);
                pos++;
              } else {
                skip(et, level + 1);
              }
            }
            return;
          }
          case MAP: {
            long size = varint();
            if (size == 0) {
              return;
            }
            need(size);
            int kv = u8();
            for (long i = 0; i < size; i++) {
              skip(kv >>> 4, level + 1);
              skip(kv & 0x0F, level + 1);
            }
            return;
          }
          case STRUCT:
            while (true) {
              int h = u8();
              if (h == 0) {
                return;
              }
              if ((h >>> 4) == 0) {
                varint(); // a field id given in full
              }
              skip(h & 0x0F, level + 1);
            }
          default:
            throw new IOException(name + ": unknown Thrift type " + t);
        }
      }

      private void need(long n) throws IOException {
        if (n < 0 || n > end - pos) {
          throw new IOException(name + ": Thrift data ends early (" + n + " bytes needed, "
              + (end - pos) + " left)");
        }
      }

      private int u8() throws IOException {
        need(1);
        return d[pos++] & 0xFF;
      }

      private long varint() throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
          int b = u8();
          v |= (long) (b & 0x7F) << shift;
          if ((b & 0x80) == 0) {
            return v;
          }
        }
        throw new IOException(name + ": a Thrift varint longer than 10 bytes");
      }

      private static long zigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
      }
    }
  }
}
