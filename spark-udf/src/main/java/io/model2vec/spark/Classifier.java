package io.model2vec.spark;

import io.model2vec.ModelReference;
import io.model2vec.StaticModelPipeline;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.catalyst.util.MapData;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The object {@code classify(text)} and {@code classify_proba(text)} call on executors; public
 * only because Spark's generated code invokes it. It carries the pipeline's {@link
 * ModelReference} (shipped as models are); the pipeline itself is the executor JVM's shared
 * instance, looked up on a task's first row and then kept in a field.
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public final class Classifier implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ModelReference reference;
  private final double threshold;
  private transient StaticModelPipeline pipeline;
  private transient ArrayData classKeys;

  Classifier(ModelReference reference, double threshold) {
    this.reference = reference;
    this.threshold = threshold;
  }

  /** {@code classify} of a classifier: the most probable class. */
  public UTF8String classify(UTF8String text) {
    StaticModelPipeline p = pipeline();
    return UTF8String.fromString(p.top(p.predictProba(text.toString())));
  }

  /** {@code classify} of a multilabel head: every class above the threshold. */
  public ArrayData classifyLabels(UTF8String text) {
    StaticModelPipeline p = pipeline();
    List<String> labels = p.labels(p.predictProba(text.toString()));
    Object[] out = new Object[labels.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = UTF8String.fromString(labels.get(i));
    }
    return new GenericArrayData(out);
  }

  /** {@code classify} of a projector: its output vector. */
  public ArrayData project(UTF8String text) {
    return UnsafeArrayData.fromPrimitiveArray(pipeline().project(text.toString()));
  }

  /** {@code classify_proba}: class to probability. */
  public MapData classifyProba(UTF8String text) {
    StaticModelPipeline p = pipeline();
    float[] proba = p.predictProba(text.toString());
    return new ArrayBasedMapData(classKeys, UnsafeArrayData.fromPrimitiveArray(proba));
  }

  /** The pipeline of this executor JVM (loaded by its first user, once), at this threshold. */
  StaticModelPipeline pipeline() {
    StaticModelPipeline p = pipeline;
    if (p == null) {
      p = ShippedModels.pipeline(reference);
      if (p.isMultilabel() && threshold != p.threshold()) {
        p = p.withThreshold(threshold);
      }
      if (!p.isProjector()) {
        Object[] keys = new Object[p.classes().size()];
        for (int i = 0; i < keys.length; i++) {
          keys[i] = UTF8String.fromString(p.classes().get(i));
        }
        classKeys = new GenericArrayData(keys);
      }
      pipeline = p;
    }
    return p;
  }

  ModelReference reference() {
    return reference;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Classifier && ((Classifier) o).reference.equals(reference)
        && ((Classifier) o).threshold == threshold;
  }

  @Override
  public int hashCode() {
    return reference.hashCode() * 31 + Double.hashCode(threshold);
  }

  /** How the optimized plan (EXPLAIN) shows the call: the pipeline, not an object hash. */
  @Override
  public String toString() {
    return "model2vec-pipeline[" + reference + "]";
  }
}
