package io.model2vec.flink.index;

import io.model2vec.flink.HostedIndex;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.SharedIndexes;
import io.model2vec.index.VectorIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.ArgumentTypeStrategy;
import org.apache.flink.table.types.inference.CallContext;
import org.apache.flink.table.types.inference.InputTypeStrategies;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.types.Row;

/**
 * Flink SQL / Table API {@code nearest(query, 'index folder'[, k])}: the k nearest rows of a
 * Model2Vec index (built by {@code bin/spark-index} or {@code Model2VecIndex}) as
 * {@code ARRAY<ROW<id STRING, score FLOAT, text STRING, <kept columns> STRING>>}, best first
 * (score: cosine similarity); {@code NULL} query, {@code NULL} result.
 *
 * <pre>{@code
 * CREATE TEMPORARY FUNCTION nearest AS 'io.model2vec.flink.index.NearestFunction';
 * SELECT id, nearest(text, '/data/index', 5) FROM events;          -- the index's model embeds
 * SELECT id, nearest(embed(text), '/data/index') FROM events;      -- or a vector (k = 10)
 * }</pre>
 *
 * <p>The query is a string (embedded with the model the index was built with) or an
 * {@code ARRAY<FLOAT>}. The index folder is a path every TaskManager reads (a shared file system,
 * or the same path everywhere); the planner reads its manifest on the client for the result type.
 * Each TaskManager opens an index once, on its first row, and all its slots share it
 * ({@link SharedIndexes}); it is closed once no slot has used it for
 * {@code model2vec.cache.idle-seconds} (default 300), and opened again by the next query.
 */
public final class NearestFunction extends ScalarFunction {
  private static final long serialVersionUID = 1L;
  static final int DEFAULT_K = 10;
  private transient String openFolder;
  /**
   * This function instance's hold on the TaskManager's index: taken by the first row, in the
   * loader that holds the JVM's models (one open per JVM, also under ADD JAR).
   */
  private transient HostedIndex held;

  public Row[] eval(String text, String folder) {
    return eval(text, folder, DEFAULT_K);
  }

  public Row[] eval(String text, String folder, Integer k) {
    return text == null ? null : rows(index(folder).search(text, k(k)));
  }

  public Row[] eval(Float[] vector, String folder) {
    return eval(vector, folder, DEFAULT_K);
  }

  public Row[] eval(Float[] vector, String folder, Integer k) {
    if (vector == null) {
      return null;
    }
    float[] v = new float[vector.length];
    for (int i = 0; i < v.length; i++) {
      if (vector[i] == null) {
        throw new IllegalArgumentException("nearest: the query vector holds a NULL at index "
            + (i + 1));
      }
      v[i] = vector[i];
    }
    return rows(index(folder).search(v, k(k)));
  }

  private static int k(Integer k) {
    if (k == null || k < 1) {
      throw new IllegalArgumentException("nearest: k must be >= 1, was " + k);
    }
    return k;
  }

  private HostedIndex index(String folder) {
    HostedIndex h = held;
    if (h == null || !folder.equals(openFolder)) {
      if (h != null) {
        h.close();
      }
      h = HostedIndex.hold(folder);
      held = h;
      openFolder = folder;
    }
    return h;
  }

  /**
   * No constant folding: a constant query would be searched on the client, which reads only the
   * manifest (for the result type); the index is the TaskManagers' (see embed).
   */
  @Override
  public boolean supportsConstantFolding() {
    return false;
  }

  /** Lets go of the index: the last function of the TaskManager to do so starts its idle period. */
  @Override
  public void close() throws Exception {
    HostedIndex h = held;
    held = null;
    openFolder = null;
    if (h != null) {
      h.close();
    }
    super.close();
  }

  /** How many times this JVM has opened an index (tests). */
  static int openedIndexes() {
    return (int) SharedIndexes.openCount();
  }

  /** Rows of the hits {id, score, text, String[] kept columns} (see {@link HostedIndex}). */
  private static Row[] rows(List<Object[]> hits) {
    Row[] out = new Row[hits.size()];
    for (int h = 0; h < out.length; h++) {
      Object[] hit = hits.get(h);
      String[] kept = (String[]) hit[3];
      Object[] fields = new Object[3 + kept.length];
      fields[0] = hit[0];
      fields[1] = hit[1];
      fields[2] = hit[2];
      System.arraycopy(kept, 0, fields, 3, kept.length);
      out[h] = Row.of(fields);
    }
    return out;
  }

  @Override
  public TypeInference getTypeInference(DataTypeFactory typeFactory) {
    ArgumentTypeStrategy query = InputTypeStrategies.or(
        InputTypeStrategies.explicit(DataTypes.STRING()),
        InputTypeStrategies.explicit(DataTypes.ARRAY(DataTypes.FLOAT())));
    ArgumentTypeStrategy folder = InputTypeStrategies.and(InputTypeStrategies.LITERAL,
        InputTypeStrategies.explicit(DataTypes.STRING()));
    ArgumentTypeStrategy k = InputTypeStrategies.and(InputTypeStrategies.LITERAL,
        InputTypeStrategies.explicit(DataTypes.INT()));
    return TypeInference.newBuilder()
        .inputTypeStrategy(InputTypeStrategies.or(
            InputTypeStrategies.sequence(List.of("query", "index"), List.of(query, folder)),
            InputTypeStrategies.sequence(List.of("query", "index", "k"), List.of(query, folder, k))))
        .outputTypeStrategy(NearestFunction::resultType)
        .build();
  }

  /** The result type: the index's kept columns, read from its manifest on the client. */
  private static Optional<DataType> resultType(CallContext context) {
    String folder = context.getArgumentValue(1, String.class).orElse(null);
    if (folder == null) {
      throw context.newValidationError("nearest: the index folder must be a non-NULL string literal");
    }
    if (context.getArgumentDataTypes().size() == 3) {
      int k = context.getArgumentValue(2, Integer.class).orElse(-1);
      if (k < 1) {
        throw context.newValidationError("nearest: k must be an integer literal >= 1, was %s",
            context.getArgumentValue(2, Integer.class).map(String::valueOf).orElse("NULL"));
      }
    }
    IndexManifest manifest;
    try (VectorIndex opened = VectorIndex.open(Path.of(folder))) {
      manifest = opened.manifest();
    } catch (RuntimeException e) {
      throw context.newValidationError("nearest: %s", e.getMessage());
    }
    List<DataTypes.Field> fields = new ArrayList<>();
    fields.add(DataTypes.FIELD("id", DataTypes.STRING().notNull()));
    fields.add(DataTypes.FIELD("score", DataTypes.FLOAT().notNull()));
    fields.add(DataTypes.FIELD("text", DataTypes.STRING()));
    for (String f : manifest.storedFields()) {
      fields.add(DataTypes.FIELD(f, DataTypes.STRING()));
    }
    return Optional.of(DataTypes.ARRAY(DataTypes.ROW(fields.toArray(new DataTypes.Field[0]))
        .notNull()));
  }
}
