package io.model2vec.pipeline;

import io.model2vec.Model2VecException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * The entries of a {@code .skops} file (a zip of {@code schema.json} and {@code .npy} arrays),
 * read with bounds on what a hostile file can cost: the number of entries, each entry's and the
 * total inflated size, the inflation ratio of large entries, and the size of {@code schema.json}.
 * Every bound is checked on the bytes actually inflated, not on what the zip's headers claim.
 */
final class SkopsArchive {
  static final int MAX_ENTRIES = 100_000;
  static final long MAX_SCHEMA_BYTES = 64L << 20;
  static final long MAX_ENTRY_BYTES = 1L << 30;
  static final long MAX_TOTAL_BYTES = 2L << 30;
  /** Entries that inflate beyond this may not inflate more than {@link #MAX_RATIO} times. */
  static final long RATIO_FLOOR_BYTES = 1L << 20;
  static final int MAX_RATIO = 200;

  private final String where;
  private final Map<String, byte[]> entries;

  private SkopsArchive(String where, Map<String, byte[]> entries) {
    this.where = where;
    this.entries = entries;
  }

  /** Reads every entry of {@code in} (not closed); {@code where} names the file in errors. */
  static SkopsArchive read(InputStream in, String where) {
    Map<String, byte[]> entries = new HashMap<>();
    long total = 0;
    byte[] buf = new byte[64 * 1024];
    try {
      ZipInputStream zip = new ZipInputStream(in);
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        if (entries.size() >= MAX_ENTRIES) {
          throw new Model2VecException(where + " has more than " + MAX_ENTRIES
              + " zip entries; a skops file of a classifier head has a few hundred");
        }
        String name = e.getName();
        if (e.isDirectory()) {
          continue;
        }
        if (entries.containsKey(name)) {
          throw new Model2VecException(where + " has the zip entry " + name + " twice");
        }
        long limit = name.equals("schema.json") ? MAX_SCHEMA_BYTES : MAX_ENTRY_BYTES;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long size = 0;
        int n;
        while ((n = zip.read(buf)) > 0) {
          size += n;
          total += n;
          if (size > limit) {
            throw new Model2VecException(where + ": zip entry " + name + " inflates to more than "
                + limit + " bytes (the limit for " + (limit == MAX_SCHEMA_BYTES ? "schema.json"
                : "an array") + "); not a classifier head, or a zip bomb");
          }
          if (total > MAX_TOTAL_BYTES) {
            throw new Model2VecException(where + " inflates to more than " + MAX_TOTAL_BYTES
                + " bytes in all; not a classifier head, or a zip bomb");
          }
          checkRatio(where, name, size, e.getCompressedSize());
          out.write(buf, 0, n);
        }
        // Entries written with a data descriptor learn their compressed size only now.
        checkRatio(where, name, size, e.getCompressedSize());
        entries.put(name, out.toByteArray());
      }
    } catch (ZipException e) {
      throw new Model2VecException(where + " is not a valid zip (a .skops file is one): "
          + e.getMessage(), e);
    } catch (IOException e) {
      throw new Model2VecException("could not read " + where + ": " + e, e);
    }
    if (entries.isEmpty()) {
      throw new Model2VecException(where + " is not a skops file: it has no zip entries");
    }
    return new SkopsArchive(where, entries);
  }

  private static void checkRatio(String where, String name, long size, long compressed) {
    if (size > RATIO_FLOOR_BYTES && compressed > 0 && size / compressed > MAX_RATIO) {
      throw new Model2VecException(where + ": zip entry " + name + " inflates more than "
          + MAX_RATIO + " times (" + compressed + " bytes to over " + size + "): a zip bomb");
    }
  }

  String where() {
    return where;
  }

  /** The bytes of {@code name}; an error naming the file if it has no such entry. */
  byte[] entry(String name) {
    byte[] data = entries.get(name);
    if (data == null) {
      throw new Model2VecException(where + " has no entry " + name
          + (name.equals("schema.json") ? ": not a skops file" : ", which schema.json names"));
    }
    return data;
  }
}
