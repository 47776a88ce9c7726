package io.model2vec;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Every system property and environment variable the project reads, in one place: its name, its
 * default, how its value is parsed and a one-line error naming it and the bad value. A value is
 * trimmed (one pasted with its newline still works) and a blank one counts as unset. A setting
 * with both forms takes the system property first, then the environment variable, so a JVM flag
 * ({@code -Dmodel2vec.tokenizer=native}) and an executor's environment
 * ({@code MODEL2VEC_TOKENIZER=native}) both work. Values are read on every {@link Setting#get()}
 * (callers that read once say so), so tests may set and clear properties.
 *
 * <p>The HuggingFace variables are those of Python's {@code huggingface_hub}, so the two share a
 * cache and a token; they are environment variables only, as there. The JVM's own properties
 * ({@code user.home}, {@code java.io.tmpdir}, {@code java.version}) are read where they are used.
 *
 * <p>Internal: not part of the public API; may change without notice. (Public because the index,
 * the engine adapters and the applications read their settings here too.)
 */
public final class Settings {
  private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9})?");

  // ---- the core ----

  /** Which tokenizer runs: the pure-Java one where it reproduces the model's, or always HF's. */
  public static final Setting<String> TOKENIZER = both("model2vec.tokenizer", "auto",
      "auto or native", v -> v.equals("auto") || v.equals("native") ? v : null,
      "auto: the pure-Java tokenizer when it reproduces the model's (BERT WordPiece, Unigram), "
          + "else HuggingFace's native library; native: always the native library");

  /** Whether the Vector API loops may run (where the JVM has jdk.incubator.vector). */
  public static final Setting<Boolean> VECTOR = both("model2vec.vector", true, "true or false",
      Settings::bool, "false keeps the scalar loops even where the JVM has jdk.incubator.vector "
          + "(read once per JVM)");

  /** Seconds an unused shared model is kept loaded; 0 or less releases it at once. */
  public static final Setting<Long> CACHE_IDLE_SECONDS = both("model2vec.cache.idle-seconds", 300L,
      "a whole number of seconds", Long::valueOf, "seconds an unused shared model or index "
          + "stays loaded after its last user let go of it; 0 releases it at once (read whenever "
          + "a last user lets go)");

  // ---- the index ----

  /** HNSW neighbours per node. */
  public static final Setting<Integer> INDEX_HNSW_M = both("model2vec.index.hnsw.m", 32,
      "a whole number from 1 to 512", v -> range(v, 1, 512),
      "HNSW graph: neighbours per node of an index built from now on");

  /** HNSW beam of the search that inserts a node. */
  public static final Setting<Integer> INDEX_HNSW_BEAM_WIDTH = both(
      "model2vec.index.hnsw.beam-width", 200, "a whole number from 1 to 3200",
      v -> range(v, 1, 3200), "HNSW graph: beam of the search that inserts a node");

  /** Lucene's indexing buffer per shard writer, in MB; null (unset) for the heap-based default. */
  public static final Setting<Integer> INDEX_RAM_BUFFER_MB = both("model2vec.index.ram-buffer-mb",
      null, "a whole number of MB from 1 to 1945 (Lucene's limit per writing thread)",
      v -> range(v, 1, 1945), "Lucene's indexing buffer per shard writer, in MB (default: a "
          + "third of the heap shared by the writers of all cores, 256 to 1945)");

  /** IVF index: rows of a query rescored with their re-embedded texts (at least; 3 x k). */
  public static final Setting<Integer> INDEX_IVF_RESCORE = both("model2vec.index.ivf.rescore", 30,
      "a whole number from 0 to 100000", v -> range(v, 0, 100_000),
      "IVF index: candidates of a query rescored exactly by embedding their stored texts again "
          + "(at least 3 x k; 0 keeps the int8 scores)");

  /** IVF index: MB of list rows an open index keeps in memory. */
  public static final Setting<Integer> INDEX_IVF_PREFILTER = both("model2vec.index.ivf.prefilter",
      1000, "a whole number from 0 to 10000000", v -> range(v, 0, 10_000_000),
      "IVF index: a query first ranks the probed rows by their sign bits and keeps this many "
          + "(at least 1% of the probed rows) for the full int8 score (0 scores every row in "
          + "full)");

  public static final Setting<Integer> INDEX_CACHE_MB = both("model2vec.index.cache-mb", 1024,
      "a whole number of MB from 1 to 1048576", v -> range(v, 1, 1 << 20),
      "IVF index: MB of probed lists an open index keeps in memory (read when it opens)");

  // ---- the HuggingFace hub (huggingface_hub's variables, and one of ours) ----

  /** The hub's URL (a mirror): http or https, no user info, query or fragment. */
  public static final Setting<URI> HF_ENDPOINT = env("HF_ENDPOINT", URI.create(HubConfig.DEFAULT_ENDPOINT),
      "an http or https URL such as " + HubConfig.DEFAULT_ENDPOINT, HubConfig::endpoint,
      "the hub's URL, for a mirror");

  /** The hub token; checked (and never shown) where it is sent. */
  public static final Setting<String> HF_TOKEN = env("HF_TOKEN", null, "a token",
      Function.identity(), "the token for private and gated models (default: the token file)");

  /** The token file when HF_TOKEN is not set. */
  public static final Setting<String> HF_TOKEN_PATH = env("HF_TOKEN_PATH", null, "a file",
      Function.identity(), "the token file (default: $HF_HOME/token)");

  /** The hub cache folder. */
  public static final Setting<String> HF_HUB_CACHE = env("HF_HUB_CACHE", null, "a folder",
      Function.identity(), "the cache of downloaded models (default: $HF_HOME/hub)");

  /** huggingface_hub's home folder. */
  public static final Setting<String> HF_HOME = env("HF_HOME", null, "a folder",
      Function.identity(), "huggingface_hub's folder (default: $XDG_CACHE_HOME/huggingface, "
          + "else ~/.cache/huggingface)");

  /** The base of HF_HOME's default. */
  public static final Setting<String> XDG_CACHE_HOME = env("XDG_CACHE_HOME", null, "a folder",
      Function.identity(), "the base of HF_HOME's default (default: ~/.cache)");

  /** Cache only: never the network (1, true, yes or on; anything else is off, as in Python). */
  public static final Setting<Boolean> HF_HUB_OFFLINE = env("HF_HUB_OFFLINE", false,
      "1, true, yes or on", v -> Pattern.matches("(?i)1|true|yes|on", v),
      "1, true, yes or on: models come from the cache only, never from the network");

  /** Timeout of each metadata request, in milliseconds (set in seconds). */
  public static final Setting<Long> HF_HUB_ETAG_TIMEOUT = env("HF_HUB_ETAG_TIMEOUT", 10_000L,
      secondsRule(), Settings::millis, "seconds a metadata request (HEAD) may take");

  /** Timeout of each read of a download, in milliseconds (set in seconds). */
  public static final Setting<Long> HF_HUB_DOWNLOAD_TIMEOUT = env("HF_HUB_DOWNLOAD_TIMEOUT",
      10_000L, secondsRule(), Settings::millis, "seconds each read of a download may wait; each "
          + "such period must also bring 64 KiB");

  /** The longest wait for another process's download of the same file, in milliseconds. */
  public static final Setting<Long> HUB_LOCK_TIMEOUT = env("MODEL2VEC_HUB_LOCK_TIMEOUT",
      600_000L, secondsRule(), Settings::millis, "seconds to wait for another thread or process "
          + "downloading the same file into the cache");

  /** The largest file a download may bring into the hub cache, in bytes. */
  public static final Setting<Long> HUB_MAX_DOWNLOAD_BYTES = env(
      "MODEL2VEC_HUB_MAX_DOWNLOAD_BYTES", 16L << 30, "a whole number of bytes, at least 1",
      v -> { long n = Long.parseLong(v); if (n < 1) { throw new NumberFormatException(); } return n; },
      "the largest file a download may bring into the cache, in bytes (a larger announced size "
          + "is refused before anything is written)");

  /** This host's name for the hub cache's lock files (else the JVM looks it up). */
  public static final Setting<String> HOSTNAME = env("HOSTNAME", null, "a host name",
      Function.identity(), "this host's name in a lock file (default: looked up)");

  // ---- the applications ----

  /** Stack traces after a command's one-line error. */
  public static final Setting<Boolean> DEBUG = both("model2vec.debug", false, "true or false",
      Settings::bool, "true: a command prints the stack trace after its one-line error");

  /** Spark's master, as spark-submit sets it; wins over the jobs' --master. */
  public static final Setting<String> SPARK_MASTER = property("spark.master", null,
      "a Spark master URL", Function.identity(), "set by spark-submit; wins over the Spark "
          + "jobs' --master");

  /** The project folder, set by bin/launch for the Flink benchmark's child processes. */
  public static final Setting<String> HOME = property("model2vec.home", null, "a folder",
      Function.identity(), "set by bin/launch: the project folder, for flink-enrich-bench");

  /**
   * Whether standard error is a terminal, set by bin/launch (its JVM writes standard error
   * through a filter, a pipe); unset: the JVM looks itself.
   */
  public static final Setting<Boolean> STDERR_TERMINAL = property("model2vec.stderr.terminal",
      null, "true or false", Settings::bool, "set by bin/launch: whether standard error is a "
          + "terminal, where the commands draw their progress line");

  private static final List<Setting<?>> ALL = List.of(TOKENIZER, VECTOR, CACHE_IDLE_SECONDS,
      INDEX_HNSW_M, INDEX_HNSW_BEAM_WIDTH, INDEX_RAM_BUFFER_MB, HF_ENDPOINT, HF_TOKEN,
      HF_TOKEN_PATH, HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, HF_HUB_OFFLINE, HF_HUB_ETAG_TIMEOUT,
      HF_HUB_DOWNLOAD_TIMEOUT, HUB_LOCK_TIMEOUT, HUB_MAX_DOWNLOAD_BYTES, HOSTNAME, DEBUG, SPARK_MASTER,
      HOME, STDERR_TERMINAL);

  private Settings() {}

  /** Every setting, in the order of the README's table. */
  static List<Setting<?>> all() {
    return ALL;
  }

  /**
   * One setting: a system property, an environment variable, or both (the property first).
   *
   * @param <T> the parsed value's type
   */
  public static final class Setting<T> {
    private final String property;
    private final String environment;
    private final T defaultValue;
    private final String rule;
    private final Function<String, T> parser;
    private final String description;

    private Setting(String property, String environment, T defaultValue, String rule,
        Function<String, T> parser, String description) {
      this.property = property;
      this.environment = environment;
      this.defaultValue = defaultValue;
      this.rule = rule;
      this.parser = parser;
      this.description = description;
    }

    /** The system property's name, or null for an environment variable only. */
    public String property() {
      return property;
    }

    /** The environment variable's name, or null for a system property only. */
    public String environment() {
      return environment;
    }

    /** The value when unset (null: none, the caller decides). */
    public T defaultValue() {
      return defaultValue;
    }

    String description() {
      return description;
    }

    /**
     * The value from this JVM's system properties and environment, else the default.
     *
     * @throws IllegalArgumentException a one-line message naming the setting and the bad value
     */
    public T get() {
      return get(System::getProperty, System.getenv());
    }

    /** The value, else {@code fallback} (for a setting without a default). */
    public T orElse(T fallback) {
      T v = get();
      return v != null ? v : fallback;
    }

    /** The value from {@code environment} alone (the hub's environment, which tests replace). */
    T get(Map<String, String> environment) {
      return get(name -> null, environment);
    }

    T get(UnaryOperator<String> properties, Map<String, String> env) {
      String raw = property == null ? null : properties.apply(property);
      String from = "system property " + property;
      if ((raw == null || raw.isBlank()) && environment != null) {
        raw = env.get(environment);
        from = environment;
      }
      if (raw == null || raw.isBlank()) {
        return defaultValue;
      }
      String value = raw.trim();
      T parsed;
      try {
        parsed = parser.apply(value);
      } catch (NumberFormatException e) {
        parsed = null;
      }
      if (parsed == null) {
        throw new IllegalArgumentException(from + " must be " + rule + ", was '"
            + HubClient.shown(value) + "'");
      }
      return parsed;
    }

    @Override
    public String toString() {
      return property != null && environment != null ? property + " / " + environment
          : Objects.requireNonNullElse(property, environment);
    }
  }

  /** A system property with the environment variable of the same name (MODEL2VEC_X_Y for model2vec.x.y). */
  private static <T> Setting<T> both(String property, T defaultValue, String rule,
      Function<String, T> parser, String description) {
    String env = property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    return new Setting<>(property, env, defaultValue, rule, parser, description);
  }

  private static <T> Setting<T> property(String property, T defaultValue, String rule,
      Function<String, T> parser, String description) {
    return new Setting<>(property, null, defaultValue, rule, parser, description);
  }

  private static <T> Setting<T> env(String env, T defaultValue, String rule,
      Function<String, T> parser, String description) {
    return new Setting<>(null, env, defaultValue, rule, parser, description);
  }

  private static Boolean bool(String v) {
    return v.equalsIgnoreCase("true") ? Boolean.TRUE : v.equalsIgnoreCase("false") ? Boolean.FALSE
        : null;
  }

  private static Integer range(String v, int min, int max) {
    int n = Integer.parseInt(v);
    return n >= min && n <= max ? n : null;
  }

  private static String secondsRule() {
    return "a number of seconds greater than 0 and at most " + Integer.MAX_VALUE / 1000
        + ", such as 10 or 2.5";
  }

  /** Seconds (like 10 or 2.5) as milliseconds; 0 is refused, as a timeout of 0 waits forever. */
  private static Long millis(String v) {
    double seconds = SECONDS.matcher(v).matches() ? Double.parseDouble(v) : -1;
    long ms = (long) Math.ceil(seconds * 1000);
    return seconds <= 0 || ms > Integer.MAX_VALUE ? null : ms;
  }
}
