package io.model2vec.cli;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.StaticModel;
import io.model2vec.TokenizerMetadata;
import io.model2vec.app.Baseline;
import io.model2vec.app.Corpus;
import io.model2vec.app.Derive;
import io.model2vec.app.ModelOptions;
import io.model2vec.app.SyntheticModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code model2vec bench}: throughput of {@link StaticModel#encode} against the seed design (the
 * HuggingFace tokenizer through DJL per sentence, then a plain float mean loop), on the same
 * corpus, in the same JVM and run, alternating the two so that a busy machine slows both alike.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {
        "Measures sentences/s of this encoder against a baseline, on one corpus in one run.",
        "Baseline: DJL HuggingFaceTokenizer.encode(text, false, false).getIds() per sentence, "
            + "then a float mean loop (unknown tokens dropped, at most --max-length ids, L2 norm "
            + "if the model normalizes) over a float32 table of the model's shape.",
        "Ours: StaticModel.encode(text) per sentence on one thread; with --threads N also "
            + "StaticModel.encode(batch, executor, N).",
        "Prints baseline and ours in sentences/s and their ratio (with --threads N: the batch "
            + "throughput and its ratio to one thread). The two alternate over --rounds rounds "
            + "of --seconds each; reported: the median throughputs and the median of the "
            + "per-round ratios.",
        "Models: --model, or --synthetic-tokenizer (any tokenizer.json: WordPiece, Unigram, "
            + "BPE) with a random table, vocabulary-quantized with --synthetic-clusters.",
        "Corpora: --derive short makes ~70-character texts (each text's first sentence), "
            + "--derive long ~1,200-character documents (consecutive texts joined)."})
final class BenchCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  // --model (default: the built-in model), --max-length | --no-max-length, --normalize,
  // --dimensions
  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--synthetic-tokenizer", paramLabel = "FILE",
      description = "Instead of --model: a model made of this tokenizer.json and a random F32 "
          + "table of --synthetic-dims columns, written to a temporary folder.")
  Path syntheticTokenizer;

  @Option(names = "--synthetic-dims", paramLabel = "N", defaultValue = "256",
      description = "Columns of the synthetic table (default: ${DEFAULT-VALUE}).")
  int syntheticDims;

  @Option(names = "--synthetic-clusters", paramLabel = "N", defaultValue = "0",
      description = "With --synthetic-tokenizer: a vocabulary-quantized model instead, N table "
          + "rows, a token-to-row 'mapping' and F64 'weights' (default: ${DEFAULT-VALUE}: a "
          + "plain table).")
  int syntheticClusters;

  @Option(names = "--input", paramLabel = "F", required = true,
      description = "Corpus: JSONL (text in --field) or, with --format text, one text per line.")
  Path input;

  @Option(names = {"--text-field", "--field"}, paramLabel = "NAME", defaultValue = "text",
      description = "JSONL field holding the text (default: ${DEFAULT-VALUE}).")
  String field;

  @Option(names = "--format", paramLabel = "jsonl|text", defaultValue = "jsonl",
      description = "Input format (default: ${DEFAULT-VALUE}).")
  Format format;

  /** The input formats of {@code encode}, the same names. */
  enum Format { jsonl, text }

  @Option(names = "--derive", paramLabel = "as-is|short|long", defaultValue = "as-is",
      description = "Corpus shape: the texts as they are, their first sentences (short), or "
          + "~1,200-character documents of consecutive texts (long). Default: ${DEFAULT-VALUE}.")
  String deriveName;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "20000",
      description = "Texts used, at most (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "Also measure the batch API on N threads (default: ${DEFAULT-VALUE}: no).")
  int threads;

  @Option(names = "--seconds", paramLabel = "S", defaultValue = "3",
      description = "Seconds per measurement (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--rounds", paramLabel = "R", defaultValue = "3",
      description = "Alternating rounds; medians are reported (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Override
  public Integer call() throws Exception {
    CommandLine cl = spec.commandLine();
    Derive how;
    try {
      how = Derive.parse(deriveName);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    }
    if (threads < 1 || rounds < 1 || seconds <= 0 || limit < 1) {
      throw new CommandLine.ParameterException(cl, "--threads, --rounds, --limit must be >= 1 and "
          + "--seconds > 0");
    }
    PrintWriter out = cl.getOut();
    Path tmp = null;
    String modelRef = modelOptions.model();
    if (syntheticTokenizer != null) {
      if (modelRef != null) {
        throw new CommandLine.ParameterException(cl, "give --model or --synthetic-tokenizer, "
            + "not both");
      }
      tmp = Files.createTempDirectory("model2vec-bench");
      if (syntheticClusters < 0) {
        throw new CommandLine.ParameterException(cl, "--synthetic-clusters must be >= 0, was "
            + syntheticClusters);
      }
      modelRef = SyntheticModel.fromTokenizer(syntheticTokenizer, syntheticDims, syntheticClusters,
          tmp).toString();
    } else if (modelRef == null) {
      if (BenchCommand.class.getClassLoader().getResource("model2vec/default-model") == null) {
        throw new CommandLine.ParameterException(cl, "give --model or --synthetic-tokenizer: "
            + "the built-in default model is not on the classpath");
      }
      modelRef = StaticModel.DEFAULT_MODEL;
    }
    try {
      List<String> texts = how.apply(Corpus.texts(input, format == Format.text ? null : field),
          limit);
      return run(out, modelRef, texts);
    } finally {
      if (tmp != null) {
        deleteTree(tmp);
      }
    }
  }

  private int run(PrintWriter out, String modelRef, List<String> texts) throws IOException {
    System.setProperty("OPT_OUT_TRACKING", "true");
    byte[] tokenizer = SyntheticModel.tokenizerJson(modelRef);
    try (StaticModel m = StaticModel.load(modelRef, modelOptions.toLoadOptions());
        HuggingFaceTokenizer djl = HuggingFaceTokenizer.newInstance(
            new java.io.ByteArrayInputStream(tokenizer),
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"))) {
      Baseline base = new Baseline(djl, m.vocabularySize(), m.dimension(), m.normalizes(),
          m.maxLength() == null ? Integer.MAX_VALUE : m.maxLength(), TokenizerMetadata.of(new String(tokenizer, StandardCharsets.UTF_8), modelRef)
              .unknownId());
      long chars = 0;
      for (String t : texts) {
        chars += t.length();
      }
      out.printf(Locale.ROOT, "model: %s (%d dims, %s table, tokenizer %s, pooling %s)%n",
          modelRef, m.dimension(), m.tableDtype(), m.tokenizerImplementation(),
          m.poolingImplementation());
      out.printf(Locale.ROOT, "corpus: %s, %s, %d texts, %.0f chars/text on average%n", input,
          deriveName,
          texts.size(), (double) chars / texts.size());
      out.flush();
      long nanos = (long) (seconds * 1e9);
      // warm-up: both paths compiled before anything is timed
      measure(texts, nanos / 2, t -> base.encode(t));
      measure(texts, nanos / 2, t -> m.encode(t));
      double[] b = new double[rounds];
      double[] o = new double[rounds];
      double[] batch = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        b[r] = measure(texts, nanos, t -> base.encode(t));
        o[r] = measure(texts, nanos, t -> m.encode(t));
        if (threads > 1) {
          batch[r] = measureBatch(m, texts, nanos, threads);
        }
        out.printf(Locale.ROOT, "round %d: baseline %,.0f/s, ours %,.0f/s (%.1fx)%s%n", r + 1, b[r],
            o[r], o[r] / b[r], threads > 1 ? String.format(Locale.ROOT,
                ", batch on %d threads %,.0f/s (%.2fx)", threads, batch[r], batch[r] / o[r]) : "");
        out.flush();
      }
      double mb = median(b);
      double mo = median(o);
      // each round's two measurements are seconds apart: the median of the per-round ratios is
      // the figure least affected by other load on the machine
      double[] ratios = new double[rounds];
      double[] batchRatios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratios[r] = o[r] / b[r];
        batchRatios[r] = batch[r] / o[r];
      }
      out.printf(Locale.ROOT, "baseline (DJL HuggingFaceTokenizer + float mean): %,.0f sentences/s%n",
          mb);
      out.printf(Locale.ROOT, "ours (StaticModel.encode, 1 thread):             %,.0f sentences/s%n",
          mo);
      out.printf(Locale.ROOT, "ratio ours / baseline (median of rounds):        %.1fx%n",
          median(ratios));
      if (threads > 1) {
        double mt = median(batch);
        out.printf(Locale.ROOT, "ours (StaticModel.encode(batch, executor, %d)):    %,.0f sentences/s%n",
            threads, mt);
        double br = median(batchRatios);
        out.printf(Locale.ROOT, "ratio batch on %d threads / 1 thread (median):     %.2fx (%.2f per thread)%n",
            threads, br, br / threads);
      }
      out.flush();
    }
    return 0;
  }

  interface Encoder {
    float[] encode(String text);
  }

  /** Sentences per second of {@code e} over the corpus, cycling for at least {@code nanos}. */
  private static double measure(List<String> texts, long nanos, Encoder e) {
    long start = System.nanoTime();
    long done = 0;
    float sink = 0;
    int i = 0;
    long now;
    do {
      for (int k = 0; k < 64; k++) {
        float[] v = e.encode(texts.get(i));
        sink += v.length == 0 ? 0 : v[0];
        if (++i == texts.size()) {
          i = 0;
        }
      }
      done += 64;
    } while ((now = System.nanoTime()) - start < nanos);
    if (sink == 42.4242f) {
      System.out.print(""); // keeps the results alive
    }
    return done / ((now - start) / 1e9);
  }

  private static double measureBatch(StaticModel m, List<String> texts, long nanos, int threads) {
    int size = Math.min(texts.size(), 4096);
    List<List<String>> batches = new ArrayList<>();
    for (int i = 0; i + size <= texts.size(); i += size) {
      batches.add(texts.subList(i, i + size));
    }
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      long start = System.nanoTime();
      long done = 0;
      long now;
      int b = 0;
      do {
        float[][] v = m.encode(batches.get(b), pool, threads);
        done += v.length;
        b = (b + 1) % batches.size();
      } while ((now = System.nanoTime()) - start < nanos);
      return done / ((now - start) / 1e9);
    } finally {
      pool.shutdown();
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
