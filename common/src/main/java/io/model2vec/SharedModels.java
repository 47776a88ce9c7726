package io.model2vec;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Objects;

/**
 * One loaded model per source per JVM, for {@link ModelReference#shared}: the only place where
 * models are shared, whatever the engine.
 *
 * <p>A model's files are loaded once per <em>source</em> (the reference, its revision and
 * subfolder) into a {@link LoadedModel}, held by the JVM's {@link Shared} helper (the same one
 * that shares indexes). Options that only change the pooling (normalize, max length,
 * dimensions) do not load anything: each is a {@link StaticModel} view of the same table and
 * tokenizer. A view holds its loaded model and lets go when it becomes unreachable; the loaded
 * model then stays for {@value Shared#IDLE_SECONDS_PROPERTY} seconds (default 300), so that a
 * Spark stage or Flink restart that comes right after the previous one does not load it again,
 * and is forgotten after that (the garbage collector frees the table, a Cleaner the native
 * tokenizer). Views are interned by (source, options) while anyone holds them, so every holder
 * gets the same instance.
 *
 * <p>Only the first request of a task or function comes here; encoding never does.
 */
final class SharedModels {
  /** Seconds a loaded model stays after its last view was dropped, so the next task reuses it. */
  static final String IDLE_SECONDS_PROPERTY = Shared.IDLE_SECONDS_PROPERTY;

  /** Released models are only forgotten: a view someone still holds keeps working. */
  private static final Shared<Source, LoadedModel> LOADED = Shared.create("model", m -> { });
  /** The view of each (source, options) while anyone holds it (weak: it goes with its holders). */
  private static final Cache<Key, StaticModel> VIEWS = Caffeine.newBuilder().weakValues().build();

  private SharedModels() {}

  /** The shared model of a reference this JVM reads directly. */
  static StaticModel get(String reference, LoadOptions options) {
    return get(ModelResolver.canonical(reference), reference, options);
  }

  /**
   * The shared model under {@code identity} (a canonical reference, or the name an engine shipped
   * the folder under: the engine may hand out another local path of the same copy later), loaded
   * from {@code reference} on first use.
   */
  static StaticModel get(String identity, String reference, LoadOptions options) {
    Objects.requireNonNull(options, "options must not be null (use LoadOptions.defaults())");
    Key key = new Key(identity, options);
    StaticModel view = VIEWS.getIfPresent(key);
    if (view != null) {
      return view;
    }
    // Loaded with the options that choose the files only: the view applies the others.
    Shared.Holder<LoadedModel> holder = LOADED.hold(new Source(identity, options.source()),
        source -> ModelResolver.load(reference, source.options).loaded());
    boolean[] made = new boolean[1];
    try {
      view = VIEWS.get(key, k -> {
        StaticModel mine = StaticModel.view(holder, options); // may refuse the options
        made[0] = true;
        return mine;
      });
    } finally {
      if (!made[0]) {
        holder.close(); // another thread made the view first (it holds its own), or it failed
      }
    }
    return view;
  }

  /**
   * Releases every loaded model that no view holds now, without waiting for the idle period:
   * tests, and users who want the memory back now. Models that someone still holds stay shared.
   */
  static void dropIdle() {
    VIEWS.cleanUp();
    LOADED.dropIdle();
  }

  /** Models loaded now (held by a view, or idle), for tests. */
  static long size() {
    VIEWS.cleanUp();
    return LOADED.size();
  }

  /** Whether the model of {@code identity} (with {@code options}' files) is loaded, for tests. */
  static boolean isLoaded(String identity, LoadOptions options) {
    return LOADED.isLoaded(new Source(identity, options.source()));
  }

  /** What a model is loaded from: its identity and the options that choose the files. */
  private static final class Source {
    final String model;
    final LoadOptions options;

    Source(String model, LoadOptions options) {
      this.model = model;
      this.options = options;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Source && ((Source) o).model.equals(model)
          && ((Source) o).options.equals(options);
    }

    @Override
    public int hashCode() {
      return model.hashCode() * 31 + options.hashCode();
    }

    @Override
    public String toString() {
      return model + (options.subfolder() == null ? "" : " subfolder " + options.subfolder())
          + (options.revision() == null ? "" : " revision " + options.revision());
    }
  }

  /** A view: the source's identity and every option. */
  private static final class Key {
    final String model;
    final LoadOptions options;

    Key(String model, LoadOptions options) {
      this.model = model;
      this.options = options;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && ((Key) o).model.equals(model) && ((Key) o).options.equals(options);
    }

    @Override
    public int hashCode() {
      return model.hashCode() * 31 + options.hashCode();
    }
  }
}
