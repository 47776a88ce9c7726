package io.model2vec.distill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.Model2VecException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Runs a {@link Teacher} over a corpus of passages (JSONL, text in a field) and stores, per
 * passage, the mean of the teacher's output token states without the special tokens
 * ({@link Teacher.Pooling#TOKENS}, tokenlearn's target), in a {@link FeatureFile}
 * ({@code OUT/features.bin}) with {@code OUT/meta.json} describing the run.
 *
 * <p>The corpus is read in chunks of {@code chunkSize} lines; within a chunk passages are sorted
 * by length so that a batch holds passages of similar length (little padding), and batches run on
 * {@code threads} teachers at once. Memory holds one chunk. Each chunk is appended and forced to
 * disk; a run that stops (killed, crashed) continues after its last complete chunk when started
 * again with the same arguments, and the file it finishes is byte for byte the one an
 * uninterrupted run writes (chunk boundaries and batches depend only on the corpus and the
 * settings, which {@code meta.json} pins).
 */
public final class Featurizer {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** The file of the targets inside the output folder. */
  public static final String FEATURES = "features.bin";
  /** The settings of the run that wrote them. */
  public static final String META = "meta.json";

  private final int maxTokens;
  private final int batchSize;
  private final int chunkSize;
  private final int threads;
  private final String field;
  private final PrintStream progress;
  private final boolean logLines;
  private final int stopAfterChunks;

  private Featurizer(Builder b) {
    this.maxTokens = b.maxTokens;
    this.batchSize = b.batchSize;
    this.chunkSize = b.chunkSize;
    this.threads = b.threads;
    this.field = b.field;
    this.progress = b.progress;
    this.logLines = b.logLines;
    this.stopAfterChunks = b.stopAfterChunks;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a run; the defaults suit bge-small on a few cores. */
  public static final class Builder {
    private int maxTokens = 256;
    private int batchSize = 32;
    private int chunkSize = 2048;
    private int threads = 1;
    private String field = "text";
    private PrintStream progress;
    private boolean logLines;
    private int stopAfterChunks;

    private Builder() {}

    /** Ids per passage given to the teacher, special tokens included (default 256). */
    public Builder maxTokens(int n) {
      if (n < 3) {
        throw new IllegalArgumentException("maxTokens must be >= 3, was " + n);
      }
      this.maxTokens = n;
      return this;
    }

    /** Passages per teacher call (default 32). */
    public Builder batchSize(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, was " + n);
      }
      this.batchSize = n;
      return this;
    }

    /** Corpus lines per chunk: the unit of sorting, of writing and of resumption (default 2048). */
    public Builder chunkSize(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("chunkSize must be >= 1, was " + n);
      }
      this.chunkSize = n;
      return this;
    }

    /** Teachers running batches at once (default 1). */
    public Builder threads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("threads must be >= 1, was " + n);
      }
      this.threads = n;
      return this;
    }

    /** JSON field of the passage text (default "text"). */
    public Builder field(String f) {
      if (f == null || f.isEmpty()) {
        throw new IllegalArgumentException("field must be a non-empty name, was '" + f + "'");
      }
      this.field = f;
      return this;
    }

    /** Where to draw progress (null: nowhere); {@code lines}: a line every 30 s (for logs). */
    public Builder progress(PrintStream out, boolean lines) {
      this.progress = out;
      this.logLines = lines;
      return this;
    }

    /** Stops after this many new chunks (0: at the end of the corpus); for trials and tests. */
    public Builder stopAfterChunks(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("stopAfterChunks must be >= 0, was " + n);
      }
      this.stopAfterChunks = n;
      return this;
    }

    public Featurizer build() {
      return new Featurizer(this);
    }
  }

  /** What a run did. */
  public static final class Result {
    /** Corpus lines done before this run started (resumed), and in all after it. */
    public final int resumedLines;
    public final int lines;
    public final int totalLines;
    /** Rows written by this run. */
    public final int newRows;
    /** Bytes of a partial or corrupted tail dropped before resuming. */
    public final long droppedTail;
    /** Seconds of this run after the teachers were loaded. */
    public final double seconds;

    Result(int resumedLines, int lines, int totalLines, int newRows, long droppedTail,
        double seconds) {
      this.resumedLines = resumedLines;
      this.lines = lines;
      this.totalLines = totalLines;
      this.newRows = newRows;
      this.droppedTail = droppedTail;
      this.seconds = seconds;
    }

    public boolean complete() {
      return lines >= totalLines;
    }
  }

  /**
   * Featurizes {@code corpus} into {@code outDir}, continuing a previous run there if any.
   * {@code teachers} makes the {@code threads} teachers (each used by one thread at a time).
   */
  public Result run(Supplier<Teacher> teachers, Path corpus, Path outDir) {
    if (!Files.isRegularFile(corpus)) {
      throw new Model2VecException("corpus " + corpus + " is not a file");
    }
    List<Teacher> pool = new ArrayList<>();
    ExecutorService exec = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "featurize");
      t.setDaemon(true);
      return t;
    });
    try {
      for (int i = 0; i < threads; i++) {
        pool.add(teachers.get());
      }
      long t0 = System.nanoTime(); // the rate counts the corpus work, not loading the teachers
      Teacher first = pool.get(0);
      if (maxTokens <= first.specials()) {
        throw new IllegalArgumentException("maxTokens must be > " + first.specials()
            + " (the special tokens), was " + maxTokens);
      }
      Files.createDirectories(outDir);
      int total = countLines(corpus);
      ObjectNode meta = meta(first, corpus);
      Path metaFile = outDir.resolve(META);
      Path file = outDir.resolve(FEATURES);
      long dropped = 0;
      int done;
      if (Files.exists(file)) {
        checkMeta(metaFile, meta);
        FeatureFile.Scan s = FeatureFile.scan(file, null);
        if (s.hidden != first.hiddenSize()) {
          throw new Model2VecException(file + " holds vectors of " + s.hidden + " values, the "
              + "teacher gives " + first.hiddenSize());
        }
        if (s.tail > 0) {
          // A chunk that was being written when the last run stopped: computed again below.
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(s.end);
            ch.force(true);
          }
          dropped = s.tail;
        }
        done = s.lines;
      } else {
        Files.writeString(metaFile, JSON.writeValueAsString(meta) + "\n");
        FeatureFile.create(file, first.hiddenSize());
        done = 0;
      }
      if (done > total) {
        throw new Model2VecException(file + " covers " + done + " lines, more than the "
            + total + " of " + corpus);
      }
      int[] run = process(pool, exec, corpus, file, done, total);
      return new Result(done, done + run[1], total, run[0], dropped,
          (System.nanoTime() - t0) / 1e9);
    } catch (IOException e) {
      throw new UncheckedIOException("featurize " + corpus + " -> " + outDir + ": "
          + e.getMessage(), e);
    } finally {
      exec.shutdownNow();
      for (Teacher t : pool) {
        t.close();
      }
    }
  }

  /** Appends the chunks after line {@code done}; returns {rows written, lines done}. */
  private int[] process(List<Teacher> pool, ExecutorService exec, Path corpus, Path file,
      int done, int total) throws IOException {
    Teacher first = pool.get(0);
    int hidden = first.hiddenSize();
    BlockingQueue<Teacher> free = new ArrayBlockingQueue<>(pool.size(), false, pool);
    Progress bar = new Progress(progress, "featurize", total, "passages", done, logLines);
    int line = 0;
    int rowsWritten = 0;
    int chunks = 0;
    ObjectMapper json = new ObjectMapper();
    try (BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8);
        FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
      for (; line < done; line++) {
        in.readLine();
      }
      while (line < total && (stopAfterChunks == 0 || chunks < stopAfterChunks)) {
        int from = line;
        int n = Math.min(chunkSize, total - line);
        List<Integer> lines = new ArrayList<>(n);
        List<String> texts = new ArrayList<>(n);
        List<long[]> seqs = new ArrayList<>(n);
        for (int k = 0; k < n; k++, line++) {
          String s = in.readLine();
          if (s == null) {
            throw new Model2VecException(corpus + " ended at line " + line + "; it had " + total
                + " lines when the run started");
          }
          String text = text(json, s, corpus, line);
          if (text == null) {
            continue;
          }
          long[] bare = first.bareIds(text);
          if (bare.length == 0) {
            continue;
          }
          int keep = Math.min(bare.length, maxTokens - first.specials());
          lines.add(line);
          texts.add(text);
          seqs.add(first.withSpecials(bare, keep));
        }
        float[][] vecs = forwardAll(seqs, exec, free);
        List<FeatureFile.Row> rows = new ArrayList<>(lines.size());
        for (int k = 0; k < lines.size(); k++) {
          rows.add(new FeatureFile.Row(lines.get(k), texts.get(k), vecs[k]));
        }
        ByteBuffer b = FeatureFile.chunk(from, n, rows, hidden);
        while (b.hasRemaining()) {
          out.write(b);
        }
        out.force(false);
        rowsWritten += rows.size();
        chunks++;
        bar.step(n);
      }
    }
    bar.done();
    return new int[] {rowsWritten, line - done};
  }

  /**
   * The targets of {@code seqs}, in their order: sorted by length (stable, so the batches are a
   * function of the chunk alone), cut into batches, run on the free teachers.
   */
  private float[][] forwardAll(List<long[]> seqs, ExecutorService exec,
      BlockingQueue<Teacher> free) {
    Integer[] order = new Integer[seqs.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> seqs.get(i).length));
    float[][] out = new float[seqs.size()][];
    List<Future<?>> jobs = new ArrayList<>();
    for (int from = 0; from < order.length; from += batchSize) {
      int f = from;
      int to = Math.min(order.length, from + batchSize);
      jobs.add(exec.submit(() -> {
        long[][] batch = new long[to - f][];
        for (int k = f; k < to; k++) {
          batch[k - f] = seqs.get(order[k]);
        }
        Teacher t = free.take();
        try {
          float[][] v = t.forward(batch, Teacher.Pooling.TOKENS);
          for (int k = f; k < to; k++) {
            out[order[k]] = v[k - f];
          }
        } finally {
          free.add(t);
        }
        return null;
      }));
    }
    for (Future<?> j : jobs) {
      try {
        j.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("featurize was interrupted", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException) {
          throw (RuntimeException) c;
        }
        throw new IllegalStateException(c.getMessage(), c);
      }
    }
    return out;
  }

  /** The passage on one corpus line; null for a blank line or an empty text (no row). */
  private String text(ObjectMapper json, String s, Path corpus, int line) {
    if (s.isBlank()) {
      return null;
    }
    JsonNode n;
    try {
      n = json.readTree(s);
    } catch (JsonProcessingException e) {
      throw new Model2VecException(corpus + " line " + (line + 1) + " is not valid JSON: "
          + e.getOriginalMessage());
    }
    JsonNode t = n == null ? null : n.get(field);
    if (t == null || !t.isTextual()) {
      throw new Model2VecException(corpus + " line " + (line + 1) + " has no string field \""
          + field + "\"");
    }
    String text = t.asText();
    return text.isBlank() ? null : text;
  }

  private ObjectNode meta(Teacher teacher, Path corpus) throws IOException {
    ObjectNode m = JSON.createObjectNode();
    m.put("format", "model2vec-features-1");
    m.put("teacher", teacher.description());
    m.put("hidden", teacher.hiddenSize());
    m.put("pooling", "mean of the token states without special tokens");
    m.put("max_tokens", maxTokens);
    m.put("batch_size", batchSize);
    m.put("chunk_size", chunkSize);
    m.put("field", field);
    m.put("corpus", corpus.getFileName().toString());
    m.put("corpus_sha256", sha256(corpus));
    return m;
  }

  /** A resumed run must use the settings that wrote the file, or its output would differ. */
  private static void checkMeta(Path metaFile, ObjectNode expected) throws IOException {
    if (!Files.isRegularFile(metaFile)) {
      throw new Model2VecException(metaFile + " is missing: cannot tell which run wrote "
          + FEATURES + " beside it (remove the folder to start over)");
    }
    JsonNode have;
    try {
      have = JSON.readTree(metaFile.toFile());
    } catch (JsonProcessingException e) {
      throw new Model2VecException(metaFile + " is not valid JSON: " + e.getOriginalMessage());
    }
    for (String key : List.of("teacher", "hidden", "max_tokens", "batch_size", "chunk_size",
        "field", "corpus_sha256")) {
      if (!expected.get(key).equals(have.get(key))) {
        throw new Model2VecException(metaFile + " has " + key + " = " + have.get(key)
            + ", this run has " + expected.get(key) + "; resume with the same settings and "
            + "corpus, or use another output folder");
      }
    }
  }

  static int countLines(Path corpus) throws IOException {
    int n = 0;
    try (BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
      while (in.readLine() != null) {
        n++;
      }
    }
    return n;
  }

  static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
