package io.model2vec.benchmarks;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.model2vec.DType;
import io.model2vec.LoadOptions;
import io.model2vec.ModelWriter;
import io.model2vec.StaticModel;
import io.model2vec.TokenizerMetadata;
import io.model2vec.app.Baseline;
import io.model2vec.app.Corpus;
import io.model2vec.app.Derive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Sentences per second: {@code baseline} (DJL's HuggingFaceTokenizer.encode(text, false, false)
 * .getIds() + a float mean loop over a float32 table) against {@code ours}
 * (StaticModel.encode), one text per operation, and {@code oursBatch} (encode(batch, executor, threads)).
 * The model ({@code tokenizer}): {@code wordpiece}, bge-small-en-v1.5's tokenizer (30522 tokens),
 * or {@code unigram}, the Unigram tokenizer of the vocabulary-quantized test model (29524 pieces,
 * BertNormalizer + Replace + Strip + Metaspace), each with a random vocab x {@code width} table
 * stored as {@code dtype} (F32 or F16) and written to a temporary folder in {@link #setup}; the baseline drops the same unknown id. Corpora from the fortunes file: {@code short}
 * (first sentences, ~70 chars), {@code paragraphs} (the texts, ~170 chars), {@code long}
 * (~1,200-char documents of consecutive texts).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-DOPT_OUT_TRACKING=true",
    "--add-modules=jdk.incubator.vector"})
public class EncodeBenchmark {
  private static final int BATCH = 1024;

  @Param({"short", "paragraphs", "long"})
  public String corpus;

  /** The fortunes corpus (JSONL with a "text" field). */
  @Param({"testdata/corpora/fortunes-en-de.jsonl"})
  public String corpusFile;

  @Param({"2"})
  public int threads;

  @Param({"wordpiece", "unigram"})
  public String tokenizer;

  /** The table's stored dtype: F32, or F16 (the built-in model's; pooled with the Vector API). */
  @Param({"F32"})
  public String dtype;

  /** The table's width. */
  @Param({"256"})
  public int width;

  /** The Unigram tokenizer.json (the vocabulary-quantized fixture's). */
  @Param({"testdata/fixtures/model2vec-rs/test-model-vocab-quantized/tokenizer.json"})
  public String unigramTokenizerFile;

  private Path dir;
  private StaticModel model;
  private HuggingFaceTokenizer djl;
  private Baseline baseline;
  private java.util.concurrent.ExecutorService pool;
  private int dims;
  private long unk;
  private List<String> texts;
  private int next;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    byte[] tokenizer;
    int vocab;
    if (this.tokenizer.equals("unigram")) {
      tokenizer = Files.readAllBytes(Paths.get(unigramTokenizerFile));
    } else {
      try (InputStream in = EncodeBenchmark.class.getResourceAsStream(
          "/bge-small-en-v1.5-tokenizer.json")) {
        tokenizer = in.readAllBytes();
      }
    }
    TokenizerMetadata facts = TokenizerMetadata.of(
        new String(tokenizer, StandardCharsets.UTF_8), this.tokenizer + " tokenizer.json");
    vocab = facts.vocabularySize();
    unk = facts.unknownId();
    dims = width;
    dir = Files.createTempDirectory("model2vec-jmh");
    Random random = new Random(1);
    ModelWriter.forRows(vocab, dims, row -> {
      float[] v = new float[dims];
      for (int c = 0; c < dims; c++) {
        v[c] = (float) random.nextGaussian();
      }
      return v;
    }).dtype(DType.valueOf(dtype)).tokenizer(new String(tokenizer, StandardCharsets.UTF_8))
        .save(dir);
    model = StaticModel.load(dir, LoadOptions.defaults());
    djl = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizer),
        Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    baseline = new Baseline(djl, vocab, dims, true, LoadOptions.DEFAULT_MAX_LENGTH, unk);
    pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
    texts = corpus(Paths.get(corpusFile), corpus);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    model.close();
    djl.close();
    pool.shutdown();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  private String nextText() {
    String t = texts.get(next);
    next = next + 1 == texts.size() ? 0 : next + 1;
    return t;
  }

  @Benchmark
  public float[] baseline() {
    return baseline.encode(nextText());
  }

  @Benchmark
  public float[] ours() {
    return model.encode(nextText());
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void oursBatch(Blackhole bh) {
    int from = next;
    if (from + BATCH > texts.size()) {
      from = 0;
    }
    next = from + BATCH;
    bh.consume(model.encode(texts.subList(from, from + BATCH), pool, threads));
  }

  /** The corpus in the shape asked for, through the bench command's reshaping. */
  static List<String> corpus(Path file, String shape) throws IOException {
    Derive how = shape.equals("paragraphs") ? Derive.as_is
        : shape.equals("short") ? Derive.short_
        : shape.equals("long") ? Derive.long_ : null;
    if (how == null) {
      throw new IllegalArgumentException("corpus must be short, paragraphs or long, was " + shape);
    }
    return how.apply(Corpus.texts(file, "text"), 20_000);
  }
}
