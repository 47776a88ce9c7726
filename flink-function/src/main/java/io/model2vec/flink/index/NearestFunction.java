package io.model2vec.flink.index;

import io.model2vec.Shared;
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
  /** This function instance's hold on the TaskManager's index: taken by the first row. */
  private transient Shared.Holder<VectorIndex> held;

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

  private VectorIndex index(String folder) {
    Shared.Holder<VectorIndex> h = held;
    if (h == null || !folder.equals(openFolder)) {
      if (h != null) {
        h.close();
      }
      h = SharedIndexes.hold(Path.of(folder));
      held = h;
      openFolder = folder;
    }
    return h.get();
  }

  /** Lets go of the index: the last function of the TaskManager to do so starts its idle period. */
  @Override
  public void close() throws Exception {
    Shared.Holder<VectorIndex> h = held;
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

  private static Row[] rows(List<VectorIndex.Hit> hits) {
    Row[] out = new Row[hits.size()];
    for (int h = 0; h < out.length; h++) {
      VectorIndex.Hit hit = hits.get(h);
      Object[] fields = new Object[3 + hit.fields().size()];
      fields[0] = hit.id();
      fields[1] = hit.score();
      fields[2] = hit.text();
      int f = 3;
      for (String v : hit.fields().values()) {
        fields[f++] = v;
      }
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
