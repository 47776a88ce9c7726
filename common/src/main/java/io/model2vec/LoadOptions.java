package io.model2vec;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to load and run a model: the load-time options of Python's {@code StaticModel.from_pretrained}
 * and {@code encode}, plus where to find it on the HuggingFace hub.
 *
 * <p>Immutable and serializable, so that Spark and Flink can ship it to executors next to the
 * model reference; {@link #equals} covers everything that changes the vectors, which makes it a
 * key of the process-wide model cache. The hub token is deliberately left out of equality and
 * {@link #toString()}.
 *
 * <p>Every string surface (Spark configuration, Flink options, {@code CREATE MODEL ... WITH}, the
 * ML Transformer, the CLI) reads and writes options through {@link #parse} and {@link #toMap}, with
 * one spelling per option: {@value #NORMALIZE}, {@value #MAX_LENGTH}, {@value #DIMENSIONS},
 * {@value #REVISION}, {@value #SUBFOLDER}.
 */
public final class LoadOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Python's default {@code max_length} for {@code encode}. */
  public static final int DEFAULT_MAX_LENGTH = 512;

  /** Option key: {@code true} or {@code false}; unset follows the model's config.json. */
  public static final String NORMALIZE = "normalize";
  /** Option key: tokens kept per text, a positive integer or {@code none}; default 512. */
  public static final String MAX_LENGTH = "max-length";
  /** Option key: leading dimensions kept, a positive integer; unset or 0 keeps all. */
  public static final String DIMENSIONS = "dimensions";
  /** Option key: hub revision (branch, tag or commit sha). */
  public static final String REVISION = "revision";
  /** Option key: a subfolder of the model folder or hub repository. */
  public static final String SUBFOLDER = "subfolder";

  /** Every option key, in the order {@link #toMap} writes them. */
  public static final List<String> KEYS = List.of(NORMALIZE, MAX_LENGTH, DIMENSIONS, REVISION, SUBFOLDER);

  /** Earlier spellings, still read (with a warning): the Spark configuration's camelCase key. */
  private static final Map<String, String> DEPRECATED_KEYS = Map.of(MAX_LENGTH, "maxLength");

  private static final Logger LOG = LoggerFactory.getLogger(LoadOptions.class);
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
  private static final LoadOptions DEFAULTS = builder().build();

  private final Boolean normalize;
  private final Integer maxLength;
  private final int dimensions;
  private final String subfolder;
  private final String revision;
  private final transient String token;

  private LoadOptions(Builder b) {
    this.normalize = b.normalize;
    this.maxLength = b.maxLength;
    this.dimensions = b.dimensions;
    this.subfolder = b.subfolder;
    this.revision = b.revision;
    this.token = b.token;
  }

  /** The defaults: normalize as the model's config says, max length 512, all dimensions. */
  public static LoadOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Options from string values, as every configuration surface holds them: {@code lookup} is
   * asked for {@code prefix + key} for each of {@link #KEYS} and returns the value or
   * {@code null}. Blank values count as unset. A bad value fails with the full key, the accepted
   * forms and the value, e.g. {@code spark.model2vec.max-length must be a positive integer or
   * 'none', was 'lots'}.
   */
  public static LoadOptions parse(String prefix, Function<String, String> lookup) {
    Objects.requireNonNull(prefix, "prefix must not be null (use \"\" for none)");
    Builder b = builder();
    String normalize = value(prefix, NORMALIZE, lookup);
    if (normalize != null) {
      String n = normalize.toLowerCase(Locale.ROOT);
      if (!n.equals("true") && !n.equals("false")) {
        throw invalid(prefix + NORMALIZE, "true or false", normalize);
      }
      b.normalize(Boolean.parseBoolean(n));
    }
    String maxLength = value(prefix, MAX_LENGTH, lookup);
    if (maxLength != null) {
      if (maxLength.equalsIgnoreCase("none")) {
        b.noMaxLength();
      } else {
        b.maxLength(positive(prefix + MAX_LENGTH, "a positive integer or 'none'", maxLength, false));
      }
    }
    String dims = value(prefix, DIMENSIONS, lookup);
    if (dims != null) {
      b.dimensions(positive(prefix + DIMENSIONS, "a positive integer (0 or unset keeps all)", dims,
          true));
    }
    b.revision(value(prefix, REVISION, lookup));
    b.subfolder(value(prefix, SUBFOLDER, lookup));
    return b.build();
  }

  /** {@link #parse} of a map of unprefixed keys. */
  public static LoadOptions parse(Map<String, String> values) {
    return parse("", values::get);
  }

  /**
   * These options as the strings {@link #parse} reads back to equal options (the token is
   * never written): only what differs from the defaults, so {@code defaults().toMap()} is empty.
   */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    if (normalize != null) {
      m.put(NORMALIZE, normalize.toString());
    }
    if (!Objects.equals(maxLength, DEFAULT_MAX_LENGTH)) {
      m.put(MAX_LENGTH, maxLength == null ? "none" : maxLength.toString());
    }
    if (dimensions != 0) {
      m.put(DIMENSIONS, Integer.toString(dimensions));
    }
    if (revision != null) {
      m.put(REVISION, revision);
    }
    if (subfolder != null) {
      m.put(SUBFOLDER, subfolder);
    }
    return m;
  }

  private static String value(String prefix, String key, Function<String, String> lookup) {
    String v = trimmed(lookup.apply(prefix + key));
    String old = DEPRECATED_KEYS.get(key);
    if (v == null && old != null) {
      v = trimmed(lookup.apply(prefix + old));
      if (v != null && WARNED.add(prefix + old)) {
        LOG.warn("{}{} is deprecated: use {}{}", prefix, old, prefix, key);
      }
    }
    return v;
  }

  private static String trimmed(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static int positive(String key, String rule, String value, boolean zeroAllowed) {
    try {
      int v = Integer.parseInt(value);
      if (v >= 1 || (zeroAllowed && v == 0)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(key, rule, value);
  }

  private static IllegalArgumentException invalid(String key, String rule, String value) {
    return new IllegalArgumentException(key + " must be " + rule + ", was '" + value + "'");
  }

  /** A builder that starts from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.normalize = normalize;
    b.maxLength = maxLength;
    b.dimensions = dimensions;
    b.subfolder = subfolder;
    b.revision = revision;
    b.token = token;
    return b;
  }

  /**
   * Only the options that choose the files (subfolder, revision, and the token to fetch them),
   * the others at their defaults: what a shared model is loaded with, whose views then differ
   * in normalize, max length and dimensions.
   */
  LoadOptions source() {
    Builder b = new Builder();
    b.subfolder = subfolder;
    b.revision = revision;
    b.token = token;
    return b.build();
  }

  /** The normalize override, or {@code null} to follow the model's {@code config.json}. */
  public Boolean normalize() {
    return normalize;
  }

  /** Token limit per text, or {@code null} when texts are not truncated. */
  public Integer maxLength() {
    return maxLength;
  }

  /** Number of leading dimensions kept, or 0 for all of them. */
  public int dimensions() {
    return dimensions;
  }

  /** A subfolder of the model folder or hub repository, or {@code null}. */
  public String subfolder() {
    return subfolder;
  }

  /** Hub revision (branch, tag or commit sha), or {@code null} for {@code main}. */
  public String revision() {
    return revision;
  }

  /** Hub token, or {@code null} to use {@code HF_TOKEN} / the token file. Never serialized. */
  public String token() {
    return token;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof LoadOptions)) {
      return false;
    }
    LoadOptions that = (LoadOptions) o;
    return dimensions == that.dimensions
        && Objects.equals(normalize, that.normalize)
        && Objects.equals(maxLength, that.maxLength)
        && Objects.equals(subfolder, that.subfolder)
        && Objects.equals(revision, that.revision);
  }

  @Override
  public int hashCode() {
    return Objects.hash(normalize, maxLength, dimensions, subfolder, revision);
  }

  @Override
  public String toString() {
    return "LoadOptions{normalize=" + (normalize == null ? "config" : normalize)
        + ", maxLength=" + (maxLength == null ? "none" : maxLength)
        + ", dimensions=" + (dimensions == 0 ? "all" : dimensions)
        + (subfolder == null ? "" : ", subfolder=" + subfolder)
        + (revision == null ? "" : ", revision=" + revision)
        + "}";
  }

  /** Builds {@link LoadOptions}; every setter checks its argument and names the rule it broke. */
  public static final class Builder {
    private Boolean normalize;
    private Integer maxLength = DEFAULT_MAX_LENGTH;
    private int dimensions;
    private String subfolder;
    private String revision;
    private String token;

    private Builder() {}

    /** Overrides the model's {@code normalize}; {@code null} follows {@code config.json}. */
    public Builder normalize(Boolean normalize) {
      this.normalize = normalize;
      return this;
    }

    /** Keeps at most {@code maxLength} tokens per text (and cuts long texts first, as Python does). */
    public Builder maxLength(int maxLength) {
      if (maxLength < 1) {
        throw new IllegalArgumentException(
            "maxLength must be >= 1 (use noMaxLength() to turn truncation off), was " + maxLength);
      }
      this.maxLength = maxLength;
      return this;
    }

    /** Turns truncation off: Python's {@code max_length=None}. */
    public Builder noMaxLength() {
      this.maxLength = null;
      return this;
    }

    /** Keeps only the first {@code dimensions} columns (Python's {@code dimensionality}); 0 keeps all. */
    public Builder dimensions(int dimensions) {
      if (dimensions < 0) {
        throw new IllegalArgumentException("dimensions must be >= 0 (0 keeps all), was " + dimensions);
      }
      this.dimensions = dimensions;
      return this;
    }

    public Builder subfolder(String subfolder) {
      if (subfolder != null && (subfolder.isBlank() || subfolder.startsWith("/")
          || subfolder.contains("\\") || subfolder.matches("(?s).*[\\x00-\\x1f].*")
          || java.util.Arrays.stream(subfolder.split("/")).anyMatch(
              seg -> seg.equals(".") || seg.equals("..")))) {
        throw new IllegalArgumentException("subfolder must be a relative path inside the model "
            + "(no leading '/', no '.' or '..' segment, no backslash or control character), was '"
            + subfolder + "'");
      }
      this.subfolder = subfolder;
      return this;
    }

    public Builder revision(String revision) {
      if (revision != null && revision.isBlank()) {
        throw new IllegalArgumentException("revision must not be blank");
      }
      this.revision = revision;
      return this;
    }

    public Builder token(String token) {
      this.token = token;
      return this;
    }

    public LoadOptions build() {
      return new LoadOptions(this);
    }
  }
}
