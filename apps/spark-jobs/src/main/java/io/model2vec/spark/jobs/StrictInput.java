package io.model2vec.spark.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.app.BadLineOptions;
import io.model2vec.app.EnrichedJson;
import io.model2vec.app.LineReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.input.PortableDataStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * JSON lines and text lines read by the rules of {@code model2vec encode}, so that every input
 * line is accounted for: a row, or a bad line (not exactly one JSON object, bytes that are not
 * UTF-8, a line longer than {@code --max-line-bytes}, a text field that is not a string, a last
 * line cut short) that stops the job ({@code --on-error fail}, naming its file and line) or is
 * left out, counted and kept in {@code --rejects} ({@code skip}). Blank lines are skipped.
 *
 * <p>Each file is read by one task with the line reader of the command line (exact line
 * numbers, a too long line skipped to its newline in bounded memory, compressed files through
 * Hadoop's codecs); reading is cheap beside embedding, and the rows are spread over every core
 * before they are embedded. The checked lines are kept (memory, then disk) for the passes that
 * follow: Spark's schema inference, the rows, and the bad lines.
 */
final class StrictInput {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One input line, checked: a row's JSON, or why it is bad and the record that keeps it. */
  static final class Line implements Serializable {
    private static final long serialVersionUID = 1L;
    final String file;
    final long number;
    /** The row as a JSON object (the line itself, or {@code {"text": line}}); null if bad. */
    final String json;
    final String reason;
    /** The {@code --rejects} record of a bad line. */
    final String reject;

    Line(String file, long number, String json, String reason, String reject) {
      this.file = file;
      this.number = number;
      this.json = json;
      this.reason = reason;
      this.reject = reject;
    }

    boolean ok() {
      return json != null;
    }
  }

  /** What was read: the checked lines, kept; {@link #rows} and {@link #bad} are views of them. */
  final JavaRDD<Line> lines;
  private final SparkSession spark;

  private StrictInput(SparkSession spark, JavaRDD<Line> lines) {
    this.spark = spark;
    this.lines = lines;
  }

  /**
   * Reads {@code input} (a file, folder or glob, local or Hadoop) as JSON lines
   * ({@code text == false}, the text in {@code textField}) or text lines (each line the text).
   */
  static StrictInput read(SparkSession spark, String input, boolean text, String textField,
      int maxLineBytes) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Line> lines = jsc.binaryFiles(input)
        .flatMap(f -> new FileLines(f._1(), f._2(), text, textField, maxLineBytes))
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    return new StrictInput(spark, lines);
  }

  /** The good lines as rows, with the schema Spark infers from them (every input column). */
  Dataset<Row> rows() {
    Dataset<String> json = spark.createDataset(lines.filter(Line::ok).map(l -> l.json).rdd(),
        Encoders.STRING());
    return spark.read().json(json);
  }

  /** The bad lines. */
  JavaRDD<Line> bad() {
    return lines.filter(l -> !l.ok());
  }

  /** The first bad line in file and line order, or null. */
  Line firstBad() {
    java.util.List<Line> first = bad().takeOrdered(1, ORDER); // one pass, none for no bad line
    return first.isEmpty() ? null : first.get(0);
  }

  /** Lines in (file, line) order: serializable, as Spark ships it to the tasks. */
  private static final Comparator<Line> ORDER = (Comparator<Line> & Serializable) (a, b) -> {
    int c = a.file.compareTo(b.file);
    return c != 0 ? c : Long.compare(a.number, b.number);
  };

  /** Releases the kept lines. */
  void release() {
    lines.unpersist(false);
  }

  /** The lines of one file, read lazily by one task. */
  private static final class FileLines implements Iterator<Line> {
    private final String file;
    private final PortableDataStream source;
    private final boolean text;
    private final String textField;
    private final int maxLineBytes;
    private InputStream in;
    private LineReader reader;
    private Line next;
    private boolean done;

    FileLines(String file, PortableDataStream source, boolean text, String textField,
        int maxLineBytes) {
      this.file = file;
      this.source = source;
      this.text = text;
      this.textField = textField;
      this.maxLineBytes = maxLineBytes;
    }

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        next = advance();
      }
      return next != null;
    }

    @Override
    public Line next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Line l = next;
      next = null;
      return l;
    }

    private Line advance() {
      try {
        if (reader == null) {
          in = open();
          reader = new LineReader(in, maxLineBytes);
        }
        while (reader.next()) {
          Line l = check();
          if (l != null) {
            return l;
          }
        }
        done = true;
        in.close();
        return null;
      } catch (IOException e) {
        throw new UncheckedIOException("input " + file + ": " + e.getMessage(), e);
      }
    }

    /** The stream of the file, decompressed by the codec its name asks for (.gz, .bz2, ...). */
    private InputStream open() throws IOException {
      InputStream raw = source.open();
      Configuration conf = source.getConfiguration();
      CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(new Path(file));
      return codec == null ? raw : codec.createInputStream(raw);
    }

    /** The current line checked, or null for a blank line (skipped, not a row). */
    private Line check() {
      long n = reader.number();
      if (reader.tooLong()) {
        return bad(n, BadLineOptions.tooLong(maxLineBytes, reader.totalBytes()), null,
            reader.copy(), reader.totalBytes());
      }
      String line;
      try {
        line = reader.decode();
      } catch (IllegalArgumentException e) {
        return bad(n, e.getMessage(), null, reader.copy(), -1);
      }
      if (text) {
        if (line.endsWith("\r")) {
          line = line.substring(0, line.length() - 1);
        }
        return new Line(file, n, JSON.createObjectNode().put(textField, line).toString(), null,
            null);
      }
      if (line.isBlank()) {
        return null;
      }
      try {
        EnrichedJson.parse(line, textField);
      } catch (EnrichedJson.SyntaxError e) {
        String reason = reader.endedWithNewline() ? e.getMessage()
            : BadLineOptions.cutShort(e.getMessage());
        return bad(n, reason, line, null, -1);
      } catch (IllegalArgumentException e) {
        return bad(n, e.getMessage(), line, null, -1);
      }
      return new Line(file, n, line, null, null);
    }

    private Line bad(long n, String reason, String line, byte[] raw, long totalBytes) {
      return new Line(file, n, null, reason,
          BadLineOptions.reject(file, n, reason, line, raw, totalBytes));
    }
  }
}
