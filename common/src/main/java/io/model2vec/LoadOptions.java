package io.model2vec;

import java.io.Serializable;
import java.util.Objects;

/**
 * How to load and run a model: the load-time options of Python's {@code StaticModel.from_pretrained}
 * and {@code encode}, plus where to find it on the HuggingFace hub.
 *
 * <p>Immutable and serializable, so that Spark and Flink can ship it to executors next to the
 * model reference; {@link #equals} covers everything that changes the vectors, which makes it a
 * key of the process-wide model cache. The hub token is deliberately left out of equality and
 * {@link #toString()}.
 */
public final class LoadOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Python's default {@code max_length} for {@code encode}. */
  public static final int DEFAULT_MAX_LENGTH = 512;

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
      if (subfolder != null && (subfolder.isBlank() || subfolder.contains(".."))) {
        throw new IllegalArgumentException(
            "subfolder must be a relative path without '..', was '" + subfolder + "'");
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
