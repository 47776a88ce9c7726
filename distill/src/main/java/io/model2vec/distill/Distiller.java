package io.model2vec.distill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.DType;
import io.model2vec.ModelWriter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Distils a sentence transformer ({@link Teacher}) into a Model2Vec model, as the Python reference
 * {@code model2vec.distill} does:
 *
 * <ol>
 *   <li>every vocabulary id, in id order, runs through the teacher as a one-token input with the
 *       tokenizer's special tokens around it ({@code [CLS] tok [SEP]}), in batches;
 *   <li>the token states are mean-pooled over the attention mask (or the [CLS] state is taken);
 *   <li>PCA to {@code pcaDims} (default 256);
 *   <li>SIF weighting: row {@code i} of {@code n} is multiplied by {@code c / (c + p_i)} with
 *       {@code p_i = (1/(i+2)) / sum_j 1/(j+2)}, {@code c = 1e-4} (no {@code weights} tensor);
 * </ol>
 *
 * and {@link Result#save} writes the model2vec layout ({@code config.json}, {@code modules.json},
 * {@code model.safetensors} with an {@code embeddings} tensor in F32, F16 or I8,
 * {@code tokenizer.json}).
 *
 * <pre>{@code
 * try (Teacher teacher = Teacher.fromClasspath("bge-small-en-v1.5", 2)) {
 *   Distiller.builder().build().distill(teacher).save(Path.of("out"), DType.F16);
 * }
 * }</pre>
 */
public final class Distiller {
  private static final Logger LOG = LoggerFactory.getLogger(Distiller.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Default PCA dimensions, as the reference. */
  public static final int DEFAULT_PCA_DIMS = 256;
  /** Default SIF coefficient, as the reference. */
  public static final double DEFAULT_SIF = 1e-4;

  private final int pcaDims;
  private final Double sif;
  private final Teacher.Pooling pooling;
  private final int batchSize;
  private final int vocabularyLimit;
  private final String tokenizerName;
  private final PrintStream progress;

  private Distiller(Builder b) {
    this.pcaDims = b.pcaDims;
    this.sif = b.sif;
    this.pooling = b.pooling;
    this.batchSize = b.batchSize;
    this.vocabularyLimit = b.vocabularyLimit;
    this.tokenizerName = b.tokenizerName;
    this.progress = b.progress;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a distillation; every one has the reference's default. */
  public static final class Builder {
    private int pcaDims = DEFAULT_PCA_DIMS;
    private Double sif = DEFAULT_SIF;
    private Teacher.Pooling pooling = Teacher.Pooling.MEAN;
    private int batchSize = 256;
    private int vocabularyLimit;
    private String tokenizerName;
    private PrintStream progress;

    /** PCA to this many dimensions (default 256); 0 keeps the teacher's dimensions, no PCA. */
    public Builder pcaDims(int dims) {
      if (dims < 0) {
        throw new IllegalArgumentException("pcaDims must be >= 0 (0 = no PCA), was " + dims);
      }
      this.pcaDims = dims;
      return this;
    }

    /** SIF coefficient (default 1e-4); {@code null} applies no SIF weighting. */
    public Builder sifCoefficient(Double c) {
      if (c != null && !(c > 0 && c < 1)) {
        throw new IllegalArgumentException("sifCoefficient must be in (0, 1) or null, was " + c);
      }
      this.sif = c;
      return this;
    }

    public Builder pooling(Teacher.Pooling pooling) {
      this.pooling = java.util.Objects.requireNonNull(pooling, "pooling");
      return this;
    }

    /** Token inputs per teacher call (default 256). */
    public Builder batchSize(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, was " + n);
      }
      this.batchSize = n;
      return this;
    }

    /**
     * Distils only ids {@code < n} and saves the tokenizer restricted to them (WordPiece only):
     * a quick, consistent small model for tests. 0 (default) distils the whole vocabulary.
     */
    public Builder vocabularyLimit(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("vocabularyLimit must be >= 0 (0 = all), was " + n);
      }
      this.vocabularyLimit = n;
      return this;
    }

    /** The {@code tokenizer_name} written to config.json (default: the teacher's description). */
    public Builder tokenizerName(String name) {
      this.tokenizerName = name;
      return this;
    }

    /** Where a progress bar is drawn (e.g. {@code System.err}); none by default. */
    public Builder progress(PrintStream out) {
      this.progress = out;
      return this;
    }

    public Distiller build() {
      return new Distiller(this);
    }
  }

  /** Runs the distillation. */
  public Result distill(Teacher teacher) {
    Vocabulary vocab = teacher.vocabulary();
    int n = vocabularyLimit > 0 ? Math.min(vocabularyLimit, vocab.size) : vocab.size;
    String tokenizerJson = n < vocab.size ? vocab.restrictedTo(n) : teacher.tokenizerJson();
    float[][] raw = embedVocabulary(teacher, n);
    return postProcess(raw, tokenizerJson,
        tokenizerName != null ? tokenizerName : teacher.description());
  }

  /** Steps 1-2: ids 0..n-1, each as [prefix, id, suffix] through the teacher, pooled. */
  float[][] embedVocabulary(Teacher teacher, int n) {
    float[][] raw = new float[n][];
    Progress bar = new Progress(progress, "Distilling", n, "tokens");
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      long[][] batch = new long[to - from][];
      for (int id = from; id < to; id++) {
        batch[id - from] = teacher.withSpecials(new long[] {id}, 1);
      }
      float[][] pooled = teacher.forward(batch, pooling);
      System.arraycopy(pooled, 0, raw, from, pooled.length);
      bar.step(to - from);
    }
    bar.done();
    return raw;
  }

  /** Steps 3-4 (PCA, SIF) on the pooled rows, and the config. {@code raw} is not modified. */
  Result postProcess(float[][] raw, String tokenizerJson, String tokenizerName) {
    int n = raw.length;
    int hidden = raw[0].length;
    Integer appliedPca = null;
    float[][] table = raw;
    if (pcaDims > 0) {
      int k = Math.min(pcaDims, hidden);
      if (k < pcaDims) {
        LOG.warn("pcaDims {} is more than the teacher's {} dimensions: PCA keeps {}", pcaDims,
            hidden, hidden);
      }
      if (k >= n) {
        // The reference skips PCA then too: there are fewer rows than components.
        LOG.warn("pcaDims {} is not below the {} distilled tokens: PCA is not applied", k, n);
      } else {
        long t0 = System.nanoTime();
        table = Pca.fit(raw, k).transform(raw);
        appliedPca = k;
        LOG.info("PCA {} -> {} dimensions in {} ms", hidden, k, (System.nanoTime() - t0) / 1_000_000);
      }
    }
    if (table == raw) {
      table = new float[n][];
      for (int i = 0; i < n; i++) {
        table[i] = raw[i].clone();
      }
    }
    if (sif != null) {
      double[] w = sifWeights(n, sif);
      for (int i = 0; i < n; i++) {
        float[] row = table[i];
        for (int j = 0; j < row.length; j++) {
          row[j] = (float) (row[j] * w[i]);
        }
      }
    }
    ObjectNode config = JSON.createObjectNode();
    config.put("model_type", "model2vec");
    config.putArray("architectures").add("StaticModel");
    config.put("tokenizer_name", tokenizerName);
    if (appliedPca == null) {
      config.putNull("apply_pca");
    } else {
      config.put("apply_pca", appliedPca);
    }
    if (sif == null) {
      config.putNull("sif_coefficient");
    } else {
      config.put("sif_coefficient", sif);
    }
    config.put("hidden_dim", table[0].length);
    config.put("seq_length", 1_000_000);
    config.put("normalize", true);
    config.put("pooling", pooling.name().toLowerCase(java.util.Locale.ROOT));
    return new Result(table, tokenizerJson, config);
  }

  /** The SIF weight of each of {@code n} rows: {@code c / (c + p_i)}, p the Zipf probabilities. */
  public static double[] sifWeights(int n, double c) {
    double sum = 0;
    for (int j = 0; j < n; j++) {
      sum += 1.0 / (j + 2);
    }
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      double p = (1.0 / (i + 2)) / sum;
      w[i] = c / (c + p);
    }
    return w;
  }

  /** A distilled table with its tokenizer and config, ready to save. */
  public static final class Result {
    private final float[][] embeddings;
    private final String tokenizerJson;
    private final ObjectNode config;

    Result(float[][] embeddings, String tokenizerJson, ObjectNode config) {
      this.embeddings = embeddings;
      this.tokenizerJson = tokenizerJson;
      this.config = config;
    }

    /** The table, one row per token id (float32, before any dtype conversion). */
    public float[][] embeddings() {
      return embeddings;
    }

    public String tokenizerJson() {
      return tokenizerJson;
    }

    /** The config.json that {@link #save} writes, without {@code embedding_dtype}. */
    public String configJson() {
      return config.toString();
    }

    /** Writes the model2vec layout into {@code dir} (the core's {@link ModelWriter}). */
    @SuppressWarnings("unchecked")
    public void save(Path dir, DType dtype) {
      ModelWriter.forTable(embeddings).tokenizer(tokenizerJson).dtype(dtype)
          .config(JSON.convertValue(config, Map.class)).save(dir);
    }
  }
}
