package io.model2vec.flink.jobs;

/**
 * One line of an input file of {@code flink-enrich}: where it is (file, 1-based line number) and
 * its text, or, for a line that could not be read as text (not UTF-8, too long), why and its
 * bytes. A Flink POJO (public fields, no-arg constructor): serialized without Kryo.
 */
public final class NumberedLine {
  /** The input file. */
  public String file;
  /** The 1-based line number in the file. */
  public long line;
  /** The line, decoded as UTF-8; null when {@link #error} is set. */
  public String text;
  /** Why the line cannot be used, or null. */
  public String error;
  /** The line's bytes (the first --max-line-bytes of a too long one) when it is not text. */
  public byte[] raw;
  /** True for a last line that no newline ends (it may have been cut short). */
  public boolean unterminated;

  public NumberedLine() {}

  NumberedLine(String file, long line, String text) {
    this.file = file;
    this.line = line;
    this.text = text;
  }

  /** "FILE line N", for messages. */
  String where() {
    return (file == null ? "input" : file) + " line " + line;
  }
}
