package io.model2vec.spark.index;

import io.model2vec.Shared;
import io.model2vec.index.VectorIndex;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.TaskCompletionListener;

/**
 * The object {@code nearest(query, 'index', k)} calls on executors; public only because Spark's
 * generated code invokes it. Carries the index folder and k; the index itself is the JVM's shared
 * instance ({@link ExecutorIndexes}), held from a task's first row (then kept in a field) until the
 * task completes.
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public final class Nearest implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String folder;
  private final int k;
  private final int storedFields;
  private final HadoopConf hadoop;
  /** This task's hold on the JVM's index; taken by the first row, let go when the task ends. */
  private transient Shared.Holder<ExecutorIndexes.Opened> held;

  Nearest(String folder, int k, int storedFields, HadoopConf hadoop) {
    this.folder = folder;
    this.k = k;
    this.storedFields = storedFields;
    this.hadoop = hadoop;
  }

  /** Called by generated code for each non-null text: embedded with the index's model. */
  public ArrayData nearestText(UTF8String text) {
    return rows(index().search(text.toString(), k));
  }

  /** Called by generated code for each non-null vector (e.g. {@code embed(text)}). */
  public ArrayData nearestVector(ArrayData vector) {
    float[] v = new float[vector.numElements()];
    for (int i = 0; i < v.length; i++) {
      if (vector.isNullAt(i)) {
        throw new IllegalArgumentException("nearest: the query vector holds a null at index " + i);
      }
      v[i] = vector.getFloat(i);
    }
    return rows(index().search(v, k));
  }

  private VectorIndex index() {
    Shared.Holder<ExecutorIndexes.Opened> h = held;
    if (h == null || !h.isOpen()) {
      h = ExecutorIndexes.hold(folder, hadoop);
      held = h;
      TaskContext task = TaskContext.get();
      if (task != null) {
        Shared.Holder<ExecutorIndexes.Opened> mine = h;
        task.addTaskCompletionListener((TaskCompletionListener) context -> mine.close());
      }
      // without a task (the driver evaluating it), the holder lets go once this is unreachable
    }
    return h.get().index;
  }

  private ArrayData rows(List<VectorIndex.Hit> hits) {
    Object[] out = new Object[hits.size()];
    for (int h = 0; h < out.length; h++) {
      VectorIndex.Hit hit = hits.get(h);
      Object[] row = new Object[3 + storedFields];
      row[0] = UTF8String.fromString(hit.id());
      row[1] = hit.score();
      row[2] = hit.text() == null ? null : UTF8String.fromString(hit.text());
      int f = 3;
      for (String value : hit.fields().values()) {
        row[f++] = value == null ? null : UTF8String.fromString(value);
      }
      out[h] = new GenericInternalRow(row);
    }
    return new GenericArrayData(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Nearest && ((Nearest) o).folder.equals(folder) && ((Nearest) o).k == k;
  }

  @Override
  public int hashCode() {
    return folder.hashCode() * 31 + k;
  }

  @Override
  public String toString() {
    return "model2vec-index[" + folder + ", k=" + k + "]";
  }
}
