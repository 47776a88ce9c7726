package io.model2vec.benchmarks;

import io.model2vec.LoadOptions;
import io.model2vec.ModelWriter;
import io.model2vec.StaticModel;
import io.model2vec.StaticModelPipeline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
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
 * Texts per second on one thread: {@code encode} (StaticModel.encode) against {@code classify}
 * (StaticModelPipeline.predictProba: the same encoding, then the head), one text per operation
 * and in batches of 1024 ({@code encodeBatch}, {@code classifyBatch}), on the same texts. The
 * model is bge-small-en-v1.5's WordPiece tokenizer with a random 256-dim float32 table; the head a
 * random {@code MLPClassifier} 256 -> {@code hidden} (relu) -> {@code classes} (softmax), written
 * as skops writes it; both into a temporary folder in {@link #setup}. The head's cost is
 * {@code 1 - classify / encode}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-DOPT_OUT_TRACKING=true",
    "--add-modules=jdk.incubator.vector"})
public class ClassifyBenchmark {
  private static final int BATCH = 1024;
  private static final int DIMS = 256;

  @Param({"short", "paragraphs"})
  public String corpus;

  @Param({"testdata/corpora/fortunes-en-de.jsonl"})
  public String corpusFile;

  @Param({"512"})
  public int hidden;

  @Param({"4"})
  public int classes;

  private Path dir;
  private StaticModel model;
  private StaticModelPipeline pipeline;
  private List<String> texts;
  private int next;

  @Setup(Level.Trial)
  public void setup() throws IOException {
    String tokenizer;
    try (InputStream in = ClassifyBenchmark.class.getResourceAsStream(
        "/bge-small-en-v1.5-tokenizer.json")) {
      tokenizer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    int vocab = io.model2vec.TokenizerMetadata.of(tokenizer, "bge tokenizer.json")
        .vocabularySize();
    dir = Files.createTempDirectory("model2vec-jmh-classify");
    Random random = new Random(1);
    ModelWriter.forRows(vocab, DIMS, row -> {
      float[] v = new float[DIMS];
      for (int c = 0; c < DIMS; c++) {
        v[c] = (float) random.nextGaussian();
      }
      return v;
    }).tokenizer(tokenizer).save(dir);
    writeMlp(dir.resolve(StaticModelPipeline.FILE), new int[] {DIMS, hidden, classes}, random);
    model = StaticModel.load(dir, LoadOptions.defaults());
    pipeline = StaticModelPipeline.load(dir);
    texts = EncodeBenchmark.corpus(Paths.get(corpusFile), corpus);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    model.close();
    pipeline.close();
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

  private List<String> nextBatch() {
    int from = next;
    if (from + BATCH > texts.size()) {
      from = 0;
    }
    next = from + BATCH;
    return texts.subList(from, from + BATCH);
  }

  @Benchmark
  public float[] encode() {
    return model.encode(nextText());
  }

  @Benchmark
  public float[] classify() {
    return pipeline.predictProba(nextText());
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void encodeBatch(Blackhole bh) {
    bh.consume(model.encode(nextBatch()));
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void classifyBatch(Blackhole bh) {
    bh.consume(pipeline.predictProba(nextBatch()));
  }

  // ------------------------------------------------ a skops file of an MLPClassifier

  /**
   * A random MLPClassifier with layer sizes {@code sizes} (relu, softmax) in a Pipeline, in the
   * skops layout (schema.json and .npy arrays) that the reader takes from scikit-learn's files.
   */
  static void writeMlp(Path file, int[] sizes, Random random) throws IOException {
    StringBuilder coefs = new StringBuilder();
    StringBuilder intercepts = new StringBuilder();
    try (OutputStream raw = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(raw)) {
      for (int l = 0; l + 1 < sizes.length; l++) {
        float[] w = new float[sizes[l] * sizes[l + 1]];
        float scale = (float) Math.sqrt(2.0 / sizes[l]);
        for (int i = 0; i < w.length; i++) {
          w[i] = (float) random.nextGaussian() * scale;
        }
        float[] b = new float[sizes[l + 1]];
        entry(zip, "w" + l + ".npy", npy(w, sizes[l], sizes[l + 1]));
        entry(zip, "b" + l + ".npy", npy(b, sizes[l + 1]));
        coefs.append(l == 0 ? "" : ",").append(array("w" + l + ".npy"));
        intercepts.append(l == 0 ? "" : ",").append(array("b" + l + ".npy"));
      }
      long[] labels = new long[sizes[sizes.length - 1]];
      ByteBuffer cls = ByteBuffer.allocate(8 * labels.length).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < labels.length; i++) {
        cls.putLong(i);
      }
      entry(zip, "classes.npy", npyBytes("<i8", "(" + labels.length + ",)", cls.array()));
      String mlp = object("sklearn.neural_network._multilayer_perceptron", "MLPClassifier",
          "\"activation\":" + json("\"relu\"") + ",\"out_activation_\":" + json("\"softmax\"")
              + ",\"n_features_in_\":" + json(Integer.toString(sizes[0]))
              + ",\"classes_\":" + array("classes.npy")
              + ",\"coefs_\":" + list("list", coefs) + ",\"intercepts_\":" + list("list", intercepts));
      String steps = list("list", new StringBuilder(list("tuple",
          new StringBuilder(json("\"mlpclassifier\"") + "," + mlp))));
      String schema = object("sklearn.pipeline", "Pipeline", "\"steps\":" + steps);
      schema = schema.substring(0, schema.length() - 1) + ",\"protocol\":2}";
      entry(zip, "schema.json", schema.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String object(String module, String cls, String attrs) {
    return "{\"__class__\":\"" + cls + "\",\"__module__\":\"" + module + "\",\"__loader__\":"
        + "\"ObjectNode\",\"content\":{\"__class__\":\"dict\",\"__module__\":\"builtins\","
        + "\"__loader__\":\"DictNode\",\"content\":{" + attrs + "}}}";
  }

  private static String json(String value) {
    return "{\"__class__\":\"str\",\"__module__\":\"builtins\",\"__loader__\":\"JsonNode\","
        + "\"is_json\":true,\"content\":\"" + value.replace("\"", "\\\"") + "\"}";
  }

  private static String array(String file) {
    return "{\"__class__\":\"ndarray\",\"__module__\":\"numpy\",\"__loader__\":\"NdArrayNode\","
        + "\"type\":\"numpy\",\"file\":\"" + file + "\"}";
  }

  private static String list(String kind, CharSequence items) {
    return "{\"__class__\":\"" + kind + "\",\"__module__\":\"builtins\",\"__loader__\":\""
        + (kind.equals("list") ? "ListNode" : "TupleNode") + "\",\"content\":[" + items + "]}";
  }

  private static byte[] npy(float[] values, int... shape) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    StringBuilder s = new StringBuilder("(");
    for (int d : shape) {
      s.append(d).append(',');
    }
    return npyBytes("<f4", s.append(')').toString(), b.array());
  }

  private static byte[] npyBytes(String descr, String shape, byte[] data) {
    StringBuilder h = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, "
        + "'shape': " + shape + ", }");
    while ((10 + h.length() + 1) % 64 != 0) {
      h.append(' ');
    }
    h.append('\n');
    byte[] header = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer b = ByteBuffer.allocate(10 + header.length + data.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.putShort((short) header.length).put(header).put(data);
    return b.array();
  }

  private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(data);
    zip.closeEntry();
  }
}
