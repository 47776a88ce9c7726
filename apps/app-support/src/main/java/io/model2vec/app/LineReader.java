package io.model2vec.app;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Lines of raw bytes, split on {@code '\n'} only, with their numbers, in bounded memory: a line
 * longer than the limit keeps its first {@code maxLineBytes} bytes and the rest is skipped up to
 * the next newline (an endless line costs the limit, not the heap). Bytes become text only
 * through {@link #decode}, a strict UTF-8 decoder, so a file and standard input are read the same
 * way and no malformed byte is ever replaced silently.
 */
public final class LineReader {
  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private boolean eof;

  private byte[] line = new byte[256];
  private int length;
  private long totalBytes;
  private long number;
  private boolean newline;

  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private CharBuffer chars = CharBuffer.allocate(256);

  public LineReader(InputStream in, int maxLineBytes) {
    if (maxLineBytes < 1) {
      throw new IllegalArgumentException("maxLineBytes must be >= 1, was " + maxLineBytes);
    }
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** Reads the next line; false at the end of the input (a last line without newline counts). */
  public boolean next() throws IOException {
    if (line.length > (1 << 20)) {
      line = new byte[256]; // do not keep one huge line's buffers for the rest of the run
      chars = CharBuffer.allocate(256);
    }
    length = 0;
    totalBytes = 0;
    newline = false;
    boolean any = false;
    while (true) {
      if (pos == limit) {
        if (eof || !fill()) {
          if (any) {
            number++;
          }
          return any;
        }
      }
      any = true;
      int nl = indexOfNewline(buf, pos, limit);
      int end = nl < 0 ? limit : nl;
      append(buf, pos, end - pos);
      if (nl >= 0) {
        pos = nl + 1;
        newline = true;
        number++;
        return true;
      }
      pos = limit;
    }
  }

  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n < 0) {
      eof = true;
      pos = limit = 0;
      return false;
    }
    pos = 0;
    limit = n;
    return n > 0 || fill();
  }

  private static int indexOfNewline(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void append(byte[] b, int off, int n) {
    totalBytes += n;
    int keep = (int) Math.min(n, (long) maxLineBytes - length);
    if (keep <= 0) {
      return; // past the limit: count, don't buffer
    }
    if (length + keep > line.length) {
      int grown = (int) Math.min(maxLineBytes, Math.max((long) line.length * 2, length + keep));
      line = Arrays.copyOf(line, grown);
    }
    System.arraycopy(b, off, line, length, keep);
    length += keep;
  }

  /** 1-based number of the current line. */
  public long number() {
    return number;
  }

  /** Whether the line is longer than the limit (then {@link #bytes} holds its first part). */
  public boolean tooLong() {
    return totalBytes > maxLineBytes;
  }

  /** The line's length in bytes, without its newline (for a too long line: all of it). */
  public long totalBytes() {
    return totalBytes;
  }

  /** Whether a newline ended the line (false only for a last line at the end of the input). */
  public boolean endedWithNewline() {
    return newline;
  }

  /** The line's bytes (or its first maxLineBytes bytes), valid until the next call of next(). */
  public byte[] bytes() {
    return line;
  }

  /** The number of bytes {@link #bytes} holds. */
  public int length() {
    return length;
  }

  /** A copy of the bytes held. */
  public byte[] copy() {
    return Arrays.copyOf(line, length);
  }

  /**
   * The line as text, or an {@link IllegalArgumentException} naming the first malformed byte.
   * Strict: malformed and truncated sequences, overlong forms and encoded surrogates are errors.
   */
  public String decode() {
    decoder.reset();
    if (chars.capacity() < length) {
      chars = CharBuffer.allocate(Math.max(length, chars.capacity() * 2));
    }
    chars.clear();
    ByteBuffer bytes = ByteBuffer.wrap(line, 0, length);
    CoderResult r = decoder.decode(bytes, chars, true);
    if (!r.isError()) {
      r = decoder.flush(chars);
    }
    if (r.isError()) {
      int at = bytes.position();
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "not valid UTF-8 (byte 0x%02X at byte %d of the line)", line[at] & 0xFF, at + 1));
    }
    chars.flip();
    return chars.toString();
  }
}
