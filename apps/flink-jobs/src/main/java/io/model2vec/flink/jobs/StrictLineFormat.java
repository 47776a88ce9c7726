package io.model2vec.flink.jobs;

import io.model2vec.app.BadLineOptions;
import io.model2vec.app.LineReader;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * The input format of {@code flink-enrich}: the lines of each file, numbered, read the way
 * {@code model2vec encode} reads them ({@link LineReader}: split on newlines only, strict UTF-8,
 * at most --max-line-bytes held per line). Flink's {@code TextLineInputFormat} decodes leniently
 * (malformed bytes become U+FFFD) and does not number lines. Blank lines are dropped here.
 *
 * <p>A stream format does not see the file's name, so this bulk format wraps Flink's adapter
 * and stamps each record with its split's path. Files are not split, so the line numbers count
 * from the start of the file; after a restore Flink re-reads the file and skips the records
 * already emitted, which numbers the lines the same way again.
 */
final class StrictLineFormat implements BulkFormat<NumberedLine, FileSourceSplit> {
  private static final long serialVersionUID = 1L;

  private final StreamFormatAdapter<NumberedLine> lines;

  StrictLineFormat(int maxLineBytes) {
    this.lines = new StreamFormatAdapter<>(new Lines(maxLineBytes));
  }

  @Override
  public Reader<NumberedLine> createReader(Configuration config, FileSourceSplit split)
      throws IOException {
    return stamped(lines.createReader(config, split), split.path().getPath());
  }

  @Override
  public Reader<NumberedLine> restoreReader(Configuration config, FileSourceSplit split)
      throws IOException {
    return stamped(lines.restoreReader(config, split), split.path().getPath());
  }

  @Override
  public boolean isSplittable() {
    return false;
  }

  @Override
  public TypeInformation<NumberedLine> getProducedType() {
    return TypeInformation.of(NumberedLine.class);
  }

  private static Reader<NumberedLine> stamped(Reader<NumberedLine> reader, String file) {
    return new Reader<>() {
      @Override
      public RecordIterator<NumberedLine> readBatch() throws IOException {
        RecordIterator<NumberedLine> batch = reader.readBatch();
        if (batch == null) {
          return null;
        }
        return new RecordIterator<>() {
          @Override
          public RecordAndPosition<NumberedLine> next() {
            RecordAndPosition<NumberedLine> r = batch.next();
            if (r != null) {
              r.getRecord().file = file;
            }
            return r;
          }

          @Override
          public void releaseBatch() {
            batch.releaseBatch();
          }
        };
      }

      @Override
      public void close() throws IOException {
        reader.close();
      }
    };
  }

  /** The numbered lines of one file. */
  static final class Lines extends SimpleStreamFormat<NumberedLine> {
    private static final long serialVersionUID = 1L;
    private final int maxLineBytes;

    Lines(int maxLineBytes) {
      this.maxLineBytes = maxLineBytes;
    }

    @Override
    public Reader<NumberedLine> createReader(Configuration config, FSDataInputStream stream) {
      LineReader in = new LineReader(stream, maxLineBytes);
      return new Reader<>() {
        @Override
        public NumberedLine read() throws IOException {
          while (in.next()) {
            NumberedLine r = new NumberedLine(null, in.number(), null);
            r.unterminated = !in.endedWithNewline();
            if (in.tooLong()) {
              r.error = BadLineOptions.tooLong(maxLineBytes, in.totalBytes());
              return r;
            }
            try {
              r.text = in.decode();
            } catch (IllegalArgumentException e) {
              r.error = e.getMessage();
              r.raw = in.copy();
              return r;
            }
            if (!r.text.isBlank()) {
              return r;
            }
          }
          return null;
        }

        @Override
        public void close() throws IOException {
          stream.close();
        }
      };
    }

    @Override
    public TypeInformation<NumberedLine> getProducedType() {
      return TypeInformation.of(NumberedLine.class);
    }
  }
}
