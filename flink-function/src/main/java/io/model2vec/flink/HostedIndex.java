package io.model2vec.flink;

import io.model2vec.Shared;
import io.model2vec.index.SharedIndexes;
import io.model2vec.index.VectorIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A function instance's hold on the TaskManager's shared index ({@link SharedIndexes}), taken in
 * the class loader that holds the JVM's models: this one when the bundle is in Flink's
 * {@code lib/}, the JVM's host loader ({@link ModelHost}) when it came with a job
 * ({@code ADD JAR}, a job jar). Without the host, every query of an {@code ADD JAR} session had
 * its own {@link SharedIndexes} (a static of the query's own class loader) and opened the index
 * and loaded its model again; {@code embed} already went through the host.
 *
 * <p>Only JDK types cross between the loaders: a hit is {@code Object[] {id, score (Float),
 * text, String[] kept column values}}.
 *
 * <p>Internal: public for {@code nearest} (another package); not part of the API.
 */
public final class HostedIndex implements AutoCloseable {
  private static final ModelHost.HostMethod HOSTED_HOLD =
      new ModelHost.HostMethod(HostedIndex.class.getName(), "hostedHold", String.class);

  private final BiFunction<Object, Integer, List<Object[]>> search;
  private final AutoCloseable release;

  private HostedIndex(Object[] hold) {
    @SuppressWarnings("unchecked")
    BiFunction<Object, Integer, List<Object[]>> s =
        (BiFunction<Object, Integer, List<Object[]>>) hold[0];
    this.search = s;
    this.release = (AutoCloseable) hold[1];
  }

  /** Takes a hold on the index in {@code folder}: opened by the JVM's first user. */
  public static HostedIndex hold(String folder) {
    if (!ModelHost.inJobLoader()) {
      return new HostedIndex(hostedHold(folder));
    }
    return new HostedIndex((Object[]) HOSTED_HOLD.call(folder));
  }

  /** Runs in the loader that holds the models: {search function, release}. */
  private static Object[] hostedHold(String folder) {
    Shared.Holder<VectorIndex> held = SharedIndexes.hold(Path.of(folder));
    BiFunction<Object, Integer, List<Object[]>> search = (query, k) -> {
      VectorIndex index = held.get();
      return hits(query instanceof String ? index.search((String) query, k)
          : index.search((float[]) query, k));
    };
    return new Object[] {search, (AutoCloseable) held::close};
  }

  private static List<Object[]> hits(List<VectorIndex.Hit> hits) {
    List<Object[]> out = new ArrayList<>(hits.size());
    for (VectorIndex.Hit h : hits) {
      out.add(new Object[] {h.id(), h.score(), h.text(),
          h.fields().values().toArray(new String[0])});
    }
    return out;
  }

  /** The k nearest rows of a text, embedded with the index's model. */
  public List<Object[]> search(String text, int k) {
    return search.apply(text, k);
  }

  /** The k nearest rows of a vector. */
  public List<Object[]> search(float[] vector, int k) {
    return search.apply(vector, k);
  }

  /** Lets go of the index: the JVM's last holder starts its idle period. */
  @Override
  public void close() {
    try {
      release.close();
    } catch (Exception e) {
      throw new IllegalStateException("model2vec: releasing an index: " + e, e);
    }
  }
}
