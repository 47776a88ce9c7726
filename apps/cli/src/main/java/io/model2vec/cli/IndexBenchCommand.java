package io.model2vec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import io.model2vec.app.Corpus;
import io.model2vec.app.ModelOptions;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.IndexShardWriter;
import io.model2vec.index.IvfLayout;
import io.model2vec.index.IvfWriter;
import io.model2vec.index.KMeans;
import io.model2vec.index.Quantization;
import io.model2vec.index.VectorIndex;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code model2vec bench-index}: index build throughput against embedding alone, index sizes with
 * float and int8 vectors, query latency, recall@10 against exact search and the exact scan's time,
 * in one run on one corpus.
 */
@Command(name = "bench-index", mixinStandardHelpOptions = true,
    description = {
        "Measures vector indexes on --rows rows made from a corpus: the texts as they are, then "
            + "variations of them (a text followed by the first words of another) up to --rows.",
        "1. embed only: rows/s of StaticModel.encodeInto on --threads threads.",
        "2. index build: rows/s of the IVF index (--type ivf, the default) as spark-index "
            + "builds it: a sample embedded, k-means, then every row embedded, assigned to its "
            + "list, coded and written by --threads writers; with --type hnsw the Lucene HNSW "
            + "shards (IndexShardWriter, float and int8 per --quantize), with --type jvector "
            + "JVector's graph. The IVF build's share is of the mean of two embed-only runs, "
            + "the first and one right after the build (a shared machine's speed drifts).",
        "3. sizes: bytes on disk against the int8 codes + ids + texts; the list sizes.",
        "4. queries (--queries, texts not in the index), one at a time on one thread, after "
            + "one untimed pass over the same queries (lists read, code compiled): p50 / p99 of "
            + "embedding the query and searching, for each --nprobe and --prefilter (IVF) or "
            + "--candidates (graphs); recall@10 against an exact float search on "
            + "--recall-queries of them; the memory the open index holds."})
final class IndexBenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  // --model (default: the built-in model), --max-length | --no-max-length, --normalize,
  // --dimensions
  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--input", paramLabel = "F", required = true,
      description = "Corpus: JSONL, text in --field.")
  Path input;

  @Option(names = {"--text-field", "--field"}, paramLabel = "NAME", defaultValue = "text",
      description = "JSONL field holding the text (default: ${DEFAULT-VALUE}).")
  String field;

  @Option(names = "--rows", paramLabel = "N", defaultValue = "1000000",
      description = "Rows indexed (default: ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads that embed and build (default: the available processors).")
  Integer threads;

  @Option(names = "--shards", paramLabel = "N",
      description = "Shards (default: --threads).")
  Integer shards;

  @Option(names = "--queries", paramLabel = "N", defaultValue = "1000",
      description = "Queries timed (default: ${DEFAULT-VALUE}).")
  int queries;

  @Option(names = "--recall-queries", paramLabel = "N", defaultValue = "100",
      description = "Queries checked against exact search (default: ${DEFAULT-VALUE}).")
  int recallQueries;

  @Option(names = "--candidates", paramLabel = "N[,N...]", split = ",",
      description = "Candidates per shard of each query, one latency and recall line per value "
          + "(default: 100,200,400).")
  List<Integer> candidates = List.of(100, 200, 400);

  @Option(names = "--quantize", paramLabel = "none|int8|both", defaultValue = "both",
      description = "HNSW indexes built (default: ${DEFAULT-VALUE}).")
  String quantize;

  @Option(names = "--type", paramLabel = "ivf|hnsw|jvector|both", split = ",",
      description = "Index families measured in the same run, e.g. ivf,jvector (both: ivf,hnsw; "
          + "jvector: JVector's graph, an existing engine, with --candidates; default: ivf).")
  List<String> type = List.of("ivf");

  @Option(names = "--lists", paramLabel = "N",
      description = "IVF lists (default: about sqrt(--rows), as spark-index).")
  Integer lists;

  @Option(names = "--prefilter", paramLabel = "N[,N...]", split = ",",
      description = "IVF: rows kept by a query's first stage (the rows' sign bits; at least "
          + "1%% of the probed rows), one latency and recall line per value and nprobe; 0 "
          + "scores every probed row in full (default: the setting "
          + "model2vec.index.ivf.prefilter).")
  List<Integer> prefilters;

  @Option(names = "--nprobe", paramLabel = "N[,N...]", split = ",",
      description = "IVF lists probed per query, one latency and recall line per value "
          + "(default: the index's default, and half and twice it).")
  List<Integer> nprobes;

  @Option(names = "--write-rows", paramLabel = "FILE",
      description = "Also write the rows as JSONL (id, text) to FILE, to run bin/spark-embed, "
          + "bin/spark-index and bin/spark-search --exact on the same rows.")
  Path writeRows;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Where the indexes are written and kept (default: a temporary folder, "
          + "deleted at the end).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    CommandLine cl = spec.commandLine();
    int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    int s = shards == null ? t : shards;
    if (rows < 1 || t < 1 || s < 1 || queries < 1 || recallQueries < 1) {
      throw new CommandLine.ParameterException(cl, "--rows, --threads, --shards, --queries and "
          + "--recall-queries must be >= 1");
    }
    List<Quantization> kinds;
    switch (quantize) {
      case "none": kinds = List.of(Quantization.NONE); break;
      case "int8": kinds = List.of(Quantization.INT8); break;
      case "both": kinds = List.of(Quantization.NONE, Quantization.INT8); break;
      default:
        throw new CommandLine.ParameterException(cl, "--quantize must be none, int8 or both, was '"
            + quantize + "'");
    }
    Set<String> types = new HashSet<>();
    for (String x : type) {
      if (!List.of("ivf", "hnsw", "jvector", "both").contains(x)) {
        throw new CommandLine.ParameterException(cl, "--type must be ivf, hnsw, jvector or both "
            + "(or several, comma-separated), was '" + x + "'");
      }
      types.addAll(x.equals("both") ? List.of("ivf", "hnsw") : List.of(x));
    }
    if (prefilters != null && prefilters.stream().anyMatch(n -> n < 0)) {
      throw new CommandLine.ParameterException(cl, "--prefilter must be >= 0");
    }
    if ((lists != null && lists < 1) || (nprobes != null && nprobes.stream().anyMatch(n -> n < 1))) {
      throw new CommandLine.ParameterException(cl, "--lists and --nprobe must be >= 1");
    }
    PrintWriter out = cl.getOut();
    List<String> texts = Corpus.texts(input, field);
    Rows corpus = new Rows(texts);
    ModelReference ref = modelOptions.reference();
    StaticModel m = ref.shared();
    boolean temporary = dir == null;
    Path root = temporary ? Files.createTempDirectory("model2vec-bench-index") : dir;
    try {
      out.printf(Locale.ROOT, "model: %s (%d dims); corpus: %s, %d texts -> %d rows (%s); "
          + "%d threads, %d shards; HNSW m %d, beam width %d; indexing buffer %d MB per shard%n",
          modelOptions.model() == null ? "built-in" : modelOptions.model(),
          m.dimension(), input, texts.size(), rows, rows <= texts.size() ? "texts as they are"
              : "texts, then variations", t, s, IndexShardWriter.maxConn(),
          IndexShardWriter.beamWidth(), IndexShardWriter.ramBufferMb());
      out.flush();
      if (writeRows != null) {
        writeRows(corpus, writeRows);
        out.printf(Locale.ROOT, "rows: %d written to %s%n", rows, writeRows);
        out.flush();
      }
      ExecutorService pool = Executors.newFixedThreadPool(t);
      try {
        // warm-up: the tokenizer and pooling compiled before the first timed run
        embedOnly(pool, t, corpus, m, Math.min(rows, 300_000));
        double embed = embedOnly(pool, t, corpus, m, rows);
        out.printf(Locale.ROOT, "embed only:  %,.0f rows/s (%,.0f per thread)%n", embed, embed / t);
        out.flush();
        List<String> qs = new ArrayList<>();
        for (int j = 0; j < queries; j++) {
          qs.add(corpus.query(j));
        }
        // the truth: exact float search over all rows (re-embedded), on all threads
        List<Set<String>> truth = types.contains("ivf") || types.contains("jvector")
            ? exactTruth(pool, t, corpus, m, qs.subList(0, Math.min(recallQueries, queries)))
            : List.of();
        if (types.contains("ivf")) {
          ivf(out, pool, t, corpus, ref, m, root.resolve("index-ivf"), embed, qs, truth);
        }
        if (types.contains("jvector")) {
          JVectorBench.run(out, pool, t, corpus, m, rows, root.resolve("index-jvector"), embed,
              qs, truth, candidates);
        }
        for (Quantization q : types.contains("hnsw") ? kinds : List.<Quantization>of()) {
          Path folder = root.resolve("index-" + q.id());
          double build = build(pool, t, s, corpus, ref, m, q, folder);
          out.printf(Locale.ROOT, "index build, %s: %,.0f rows/s (%,.0f per thread), %.2f%% of "
              + "embed only%n", q.id(), build, build / t, 100 * build / embed);
          out.printf(Locale.ROOT, "index size, %s: %s on disk; float vectors (.vec) %s, int8 "
              + "vectors (.veq) %s, graph (.vex) %s%n", q.id(), mib(bytes(folder, "")),
              mib(bytes(folder, ".vec")), mib(bytes(folder, ".veq")), mib(bytes(folder, ".vex")));
          out.flush();
          for (int c : candidates) {
            query(out, folder, q, corpus, m, c);
            out.flush();
          }
          out.flush();
        }
      } finally {
        pool.shutdownNow();
      }
      return 0;
    } finally {
      if (temporary) {
        deleteTree(root);
      }
    }
  }

  /** The IVF index: build (sample, k-means, embed + assign + write), size, queries, recall. */
  private void ivf(PrintWriter out, ExecutorService pool, int t, Rows corpus, ModelReference ref,
      StaticModel m, Path folder, double embed, List<String> qs, List<Set<String>> truth)
      throws Exception {
    Files.createDirectories(folder);
    int l = lists == null ? IvfLayout.defaultLists(rows) : lists;
    int dims = m.dimension();
    long start = System.nanoTime();
    // k-means on an evenly spread sample of 40 rows a list (FAISS warns below 39)
    int sampleSize = (int) Math.min(rows, 40L * l);
    float[][] sample = new float[sampleSize][];
    // one row drawn at random from each of sampleSize equal slices: every n-th row would follow
    // the variations' own period and give k-means a sample unlike the rows (lists of 9x the
    // mean on 200,000 rows of fortunes, 3.7x with this sample)
    java.util.Random draw = new java.util.Random(42);
    int[] at = new int[sampleSize];
    for (int i = 0; i < sampleSize; i++) {
      long lo = (long) i * rows / sampleSize;
      long hi = (long) (i + 1) * rows / sampleSize;
      at[i] = (int) (lo + (hi > lo + 1 ? draw.nextInt((int) (hi - lo)) : 0));
    }
    java.util.stream.IntStream.range(0, sampleSize).parallel().forEach(i -> {
      sample[i] = IvfWriter.normalizedCopy(m.encode(corpus.row(at[i])));
    });
    long sampled = System.nanoTime();
    float[] centroids = KMeans.train(sample, l, KMeans.ITERATIONS, 42);
    long trained = System.nanoTime();
    long crc = IvfWriter.writeCentroids(folder, centroids);
    List<Future<List<IvfLayout.ListFile>>> parts = new ArrayList<>();
    for (int w = 0; w < t; w++) {
      int worker = w;
      parts.add(pool.submit(() -> {
        IvfWriter writer = IvfWriter.create(folder, centroids, dims, List.of(), true,
            "part-" + worker + ".parquet");
        float[] v = new float[dims];
        for (int i = worker; i < rows; i += t) {
          String text = corpus.row(i);
          m.encodeInto(text, v, 0);
          writer.add(Integer.toString(i), text, v, new String[0]);
        }
        return writer.commit();
      }));
    }
    List<IvfLayout.ListFile> files = new ArrayList<>();
    for (Future<List<IvfLayout.ListFile>> f : parts) {
      files.addAll(f.get());
    }
    int np = IvfLayout.defaultNprobe(l);
    new IndexManifest(ref, dims, m.normalizes(), Quantization.INT8, List.of(), Map.of())
        .withModelCheck(m.encode(IndexManifest.MODEL_CHECK_TEXT))
        .withIvf(new IvfLayout(l, np, crc, 1, rows, files)).writeTo(folder);
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = rows / seconds;
    long raw = 0; // int8 codes + ids + texts, counted after the timed build
    for (int i = 0; i < rows; i++) {
      raw += dims + Integer.toString(i).getBytes(StandardCharsets.UTF_8).length
          + corpus.row(i).getBytes(StandardCharsets.UTF_8).length;
    }
    // the baseline again right after the build: a shared machine's speed drifts over a minute,
    // and the build is compared with the mean of the embed-only runs just before and after it
    double after = embedOnly(pool, t, corpus, m, rows);
    double baseline = (embed + after) / 2;
    long disk = bytes(folder, "");
    out.printf(Locale.ROOT, "index build, ivf (%d lists, %d-row sample): %,.0f rows/s (%,.0f per "
        + "thread), %.2f%% of embed only (%,.0f rows/s, the mean of %,.0f before and %,.0f right "
        + "after the build); sample %.1f s, k-means %.1f s, assign + write %.1f s%n",
        l, sampleSize, rate, rate / t, 100 * rate / baseline, baseline, embed, after,
        (sampled - start) / 1e9, (trained - sampled) / 1e9, seconds - (trained - start) / 1e9);
    long[] perList = new long[l];
    for (IvfLayout.ListFile f : files) {
      perList[f.list()] += f.rows();
    }
    long[] sorted = perList.clone();
    Arrays.sort(sorted);
    double meanList = rows / (double) l;
    out.printf(Locale.ROOT, "lists of the index: max %,d rows = %.1f x the mean %,.0f; p99 %.1f x, "
        + "p90 %.1f x, empty %d%n", sorted[l - 1], sorted[l - 1] / meanList, meanList,
        sorted[Math.min(l - 1, (int) (l * 0.99))] / meanList,
        sorted[Math.min(l - 1, (int) (l * 0.9))] / meanList,
        Arrays.stream(perList).filter(x -> x == 0).count());
    out.printf(Locale.ROOT, "index size, ivf: %s on disk in %d files; int8 codes + ids + texts "
        + "%s (%.2fx)%n", mib(disk), files.size(), mib(raw), disk / (double) raw);
    out.flush();
    List<Integer> probes = nprobes != null ? nprobes
        : List.of(Math.max(1, np / 2), np, Math.min(l, 2 * np));
    try (VectorIndex index = VectorIndex.open(folder)) {
      int r = truth.size();
      List<Integer> stages = prefilters != null ? prefilters
          : List.of(io.model2vec.Settings.INDEX_IVF_PREFILTER.get());
      String setting = System.getProperty("model2vec.index.ivf.prefilter");
      for (int p : probes) {
       for (int pf : stages) {
        System.setProperty("model2vec.index.ivf.prefilter", Integer.toString(pf));
        for (int j = 0; j < queries; j++) {
          // warm-up: every list the timed queries probe read once, and the code compiled
          index.probe(m.encode(qs.get(j)), 10, p);
        }
        long[] nanos = new long[queries];
        for (int j = 0; j < queries; j++) {
          long t0 = System.nanoTime();
          index.probe(m.encode(qs.get(j)), 10, p);
          nanos[j] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        double found = 0;
        for (int j = 0; j < r; j++) {
          for (VectorIndex.Hit h : index.probe(m.encode(qs.get(j)), 10, p)) {
            if (truth.get(j).contains(h.id())) {
              found++;
            }
          }
        }
        io.model2vec.index.IvfKernels.Centroids cs =
            new io.model2vec.index.IvfKernels.Centroids(centroids, dims);
        long scanned = 0;
        for (int j = 0; j < r; j++) {
          for (int list : cs.probe(IvfWriter.normalizedCopy(m.encode(qs.get(j))), p)) {
            scanned += perList[list];
          }
        }
        out.printf(Locale.ROOT, "query, ivf, nprobe %d, prefilter %d: p50 %.2f ms, p99 %.2f ms "
            + "(embed + search, k 10, rescore %s, %d queries one at a time); recall@10 %.3f (%d "
            + "queries, against exact float search); %,d rows scanned a query (mean)%n", p, pf,
            nanos[queries / 2] / 1e6,
            nanos[(int) Math.min(queries - 1, Math.ceil(queries * 0.99) - 1)] / 1e6,
            System.getProperty("model2vec.index.ivf.rescore", "30"), queries,
            found / (10.0 * r), r, scanned / r);
        out.flush();
       }
      }
      if (setting == null) {
        System.clearProperty("model2vec.index.ivf.prefilter");
      } else {
        System.setProperty("model2vec.index.ivf.prefilter", setting);
      }
      out.printf(Locale.ROOT, "memory held by the open ivf index: %s (centroids and the lists "
          + "read, ids and texts as Java strings)%n", mib(index.memoryBytes()));
    }
  }

  /** Ids of the exact top 10 (float vectors, every row) of each query, ties with the 10th in. */
  private List<Set<String>> exactTruth(ExecutorService pool, int t, Rows corpus, StaticModel m,
      List<String> qs) throws Exception {
    int dims = m.dimension();
    float[][] q = new float[qs.size()][];
    for (int j = 0; j < q.length; j++) {
      q[j] = IvfWriter.normalizedCopy(m.encode(qs.get(j)));
    }
    List<Future<float[][]>> parts = new ArrayList<>();
    for (int w = 0; w < t; w++) {
      int worker = w;
      parts.add(pool.submit(() -> {
        float[][] best = new float[q.length][]; // per query: 10 (score, row) pairs, sorted
        for (int j = 0; j < q.length; j++) {
          best[j] = new float[20];
          Arrays.fill(best[j], Float.NEGATIVE_INFINITY);
        }
        float[] v = new float[dims];
        for (int i = worker; i < rows; i += t) {
          m.encodeInto(corpus.row(i), v, 0);
          float[] u = IvfWriter.normalizedCopy(v);
          for (int j = 0; j < q.length; j++) {
            float s = 0;
            for (int d = 0; d < dims; d++) {
              s += q[j][d] * u[d];
            }
            float[] b = best[j];
            if (s > b[18]) {
              int at = 9;
              while (at > 0 && b[2 * (at - 1)] < s) {
                b[2 * at] = b[2 * (at - 1)];
                b[2 * at + 1] = b[2 * (at - 1) + 1];
                at--;
              }
              b[2 * at] = s;
              b[2 * at + 1] = Float.intBitsToFloat(i);
            }
          }
        }
        return best;
      }));
    }
    List<Set<String>> out = new ArrayList<>();
    List<float[][]> all = new ArrayList<>();
    for (Future<float[][]> f : parts) {
      all.add(f.get());
    }
    for (int j = 0; j < q.length; j++) {
      List<float[]> pairs = new ArrayList<>();
      for (float[][] b : all) {
        for (int x = 0; x < 10; x++) {
          if (b[j][2 * x] != Float.NEGATIVE_INFINITY) {
            pairs.add(new float[] {b[j][2 * x], b[j][2 * x + 1]});
          }
        }
      }
      pairs.sort((a, b) -> Float.compare(b[0], a[0]));
      Set<String> ids = new HashSet<>();
      float tenth = pairs.get(Math.min(9, pairs.size() - 1))[0];
      for (float[] p : pairs) {
        if (ids.size() < 10 || p[0] >= tenth) {
          ids.add(Integer.toString(Float.floatToRawIntBits(p[1])));
        }
      }
      out.add(ids);
    }
    return out;
  }

  private void writeRows(Rows corpus, Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int i = 0; i < rows; i++) {
        ObjectNode row = json.createObjectNode();
        row.put("id", Integer.toString(i));
        row.put("text", corpus.row(i));
        w.write(json.writeValueAsString(row));
        w.write('\n');
      }
    }
  }

  private double embedOnly(ExecutorService pool, int t, Rows corpus, StaticModel m, int n)
      throws Exception {
    long start = System.nanoTime();
    List<Future<Float>> parts = new ArrayList<>();
    for (int w = 0; w < t; w++) {
      int first = w;
      parts.add(pool.submit(() -> {
        float[] v = new float[m.dimension()];
        float sum = 0;
        for (int i = first; i < n; i += t) {
          m.encodeInto(corpus.row(i), v, 0);
          sum += v[0];
        }
        return sum;
      }));
    }
    for (Future<Float> f : parts) {
      f.get();
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  private double build(ExecutorService pool, int t, int s, Rows corpus, ModelReference ref,
      StaticModel m, Quantization q, Path folder) throws Exception {
    Files.createDirectories(folder);
    long start = System.nanoTime();
    List<Future<long[]>> parts = new ArrayList<>();
    for (int w = 0; w < t; w++) {
      int worker = w;
      parts.add(pool.submit(() -> {
        // this thread's shards: worker, worker + t, ...; rows dealt round-robin over all shards
        List<Integer> mine = new ArrayList<>();
        for (int sh = worker; sh < s; sh += t) {
          mine.add(sh);
        }
        long[] counts = new long[s];
        float[] v = new float[m.dimension()];
        for (int sh : mine) {
          try (IndexShardWriter writer = IndexShardWriter.create(
              folder.resolve(IndexManifest.shardName(sh)), m.dimension(), q, List.of())) {
            for (int i = sh; i < rows; i += s) {
              String text = corpus.row(i);
              m.encodeInto(text, v, 0);
              writer.add(Integer.toString(i), text, v, new String[0]);
            }
            counts[sh] = writer.commit();
          }
        }
        return counts;
      }));
    }
    long[] total = new long[s];
    for (Future<long[]> f : parts) {
      long[] c = f.get();
      for (int i = 0; i < s; i++) {
        total[i] += c[i];
      }
    }
    double rate = rows / ((System.nanoTime() - start) / 1e9);
    Map<String, Long> shardRows = new LinkedHashMap<>();
    for (int i = 0; i < s; i++) {
      shardRows.put(IndexManifest.shardName(i), total[i]);
    }
    new IndexManifest(ref, m.dimension(), m.normalizes(), q, List.of(), shardRows).writeTo(folder);
    return rate;
  }

  private void query(PrintWriter out, Path folder, Quantization q, Rows corpus, StaticModel m,
      int cands) {
    try (VectorIndex index = VectorIndex.open(folder)) {
      List<String> qs = new ArrayList<>();
      for (int j = 0; j < queries; j++) {
        qs.add(corpus.query(j));
      }
      for (int j = 0; j < Math.min(200, queries); j++) {
        index.search(m.encode(qs.get(j)), 10, cands); // warm-up
      }
      long[] nanos = new long[queries];
      for (int j = 0; j < queries; j++) {
        long t0 = System.nanoTime();
        index.search(m.encode(qs.get(j)), 10, cands);
        nanos[j] = System.nanoTime() - t0;
      }
      Arrays.sort(nanos);
      int r = Math.min(recallQueries, queries);
      double found = 0;
      long[] exact = new long[r];
      for (int j = 0; j < r; j++) {
        float[] v = m.encode(qs.get(j));
        long t0 = System.nanoTime();
        List<VectorIndex.Hit> truth = index.exactSearch(v, 10);
        exact[j] = System.nanoTime() - t0;
        Set<String> ids = new HashSet<>();
        truth.forEach(h -> ids.add(h.id()));
        for (VectorIndex.Hit h : index.search(v, 10, cands)) {
          if (ids.contains(h.id())) {
            found++;
          }
        }
      }
      Arrays.sort(exact);
      out.printf(Locale.ROOT, "query, %s, %d candidates: p50 %.2f ms, p99 %.2f ms (embed + "
          + "search, k 10, %d queries one at a time); recall@10 %.3f (%d queries); exact scan p50 "
          + "%.1f ms%n", q.id(), cands,
          nanos[queries / 2] / 1e6, nanos[(int) Math.min(queries - 1, Math.ceil(queries * 0.99) - 1)] / 1e6,
          queries, found / (10.0 * r), r, exact[r / 2] / 1e6);
    }
  }

  /** Rows and queries made of the corpus: its texts, then variations of them. */
  static final class Rows {
    private final List<String> texts;

    Rows(List<String> texts) {
      this.texts = texts;
    }

    String row(int i) {
      int n = texts.size();
      if (i < n) {
        return texts.get(i);
      }
      int variant = i / n;
      return texts.get(i % n) + " " + firstWords(texts.get((int) ((i * 31L + variant * 7919L) % n)), 12);
    }

    /** Query j: a text with the first words of another, a combination the rows do not hold. */
    String query(int j) {
      int n = texts.size();
      return firstWords(texts.get((int) ((j * 9973L + 17) % n)), 20) + " "
          + firstWords(texts.get((int) ((j * 104_729L + 3) % n)), 5);
    }

    private static String firstWords(String s, int words) {
      int at = 0;
      for (int w = 0; w < words; w++) {
        int next = s.indexOf(' ', at + 1);
        if (next < 0) {
          return s;
        }
        at = next;
      }
      return s.substring(0, at);
    }
  }

  private static long bytes(Path folder, String suffix) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(suffix))
          .mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toArray(Path[]::new)) {
        Files.deleteIfExists(p);
      }
    }
  }
}
