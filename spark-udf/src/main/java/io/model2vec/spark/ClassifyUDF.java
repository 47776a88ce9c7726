package io.model2vec.spark;

import io.model2vec.StaticModelPipeline;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hive.ql.exec.UDFArgumentException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentLengthException;
import org.apache.hadoop.hive.ql.exec.UDFArgumentTypeException;
import org.apache.hadoop.hive.ql.metadata.HiveException;
import org.apache.hadoop.hive.ql.udf.generic.GenericUDF;
import org.apache.hadoop.hive.serde2.objectinspector.ConstantObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.ObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorFactory;
import org.apache.hadoop.hive.serde2.objectinspector.primitive.PrimitiveObjectInspectorUtils;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.internal.SQLConf;

/**
 * {@code classify(text[, 'pipeline'])} as a Hive {@code GenericUDF}, for
 * {@code CREATE [TEMPORARY] FUNCTION classify AS 'io.model2vec.spark.ClassifyUDF'} in a session
 * with Hive support; {@link ClassifyProbaUDF} is {@code classify_proba}. Same pipelines, configuration and
 * results as the built-in functions (see {@link EmbedUDF} for how the driver's state reaches
 * the executors).
 */
public class ClassifyUDF extends GenericUDF {
  private byte[] classifierBytes;
  private transient Classifier classifier;
  private transient PrimitiveObjectInspector textInspector;
  /** The driver's view of the head: "CLASSIFIER", "MULTILABEL" or "PROJECTOR". */
  private String kind;

  String function() {
    return ClassifyFunction.CLASSIFY;
  }

  @Override
  public ObjectInspector initialize(ObjectInspector[] arguments) throws UDFArgumentException {
    String f = function();
    if (arguments.length < 1 || arguments.length > 2) {
      throw new UDFArgumentLengthException(f + "(text[, 'pipeline']) takes 1 or 2 arguments, "
          + "got " + arguments.length);
    }
    if (!(arguments[0] instanceof PrimitiveObjectInspector)
        || PrimitiveObjectInspectorUtils.getPrimitiveGrouping(
            ((PrimitiveObjectInspector) arguments[0]).getPrimitiveCategory())
            != PrimitiveObjectInspectorUtils.PrimitiveGrouping.STRING_GROUP) {
      throw new UDFArgumentTypeException(0, f + ": the first argument must be a string, got "
          + arguments[0].getTypeName());
    }
    textInspector = (PrimitiveObjectInspector) arguments[0];
    String name = null;
    if (arguments.length == 2) {
      if (!(arguments[1] instanceof ConstantObjectInspector)) {
        throw new UDFArgumentTypeException(1, f + ": the second argument must be a string "
            + "literal naming a pipeline (spark.model2vec.pipelines.<name>), got "
            + arguments[1].getTypeName());
      }
      Object v = ((ConstantObjectInspector) arguments[1]).getWritableConstantValue();
      name = v == null ? null : v.toString();
    }
    if (TaskContext.get() == null) {
      Classifier c = ClassifyFunction.classifier(SQLConf.get(), f, name);
      StaticModelPipeline p = ShippedModels.pipelineOnDriver(c.reference());
      kind = p.kind().name();
      if (f.equals(ClassifyFunction.PROBA) && p.isProjector()) {
        throw new UDFArgumentException(f + ": pipeline " + c.reference() + " is a projector "
            + "(MLPRegressor), which has no classes; use " + ClassifyFunction.CLASSIFY);
      }
      classifierBytes = serialize(c);
      classifier = c;
    } else if (classifierBytes == null) {
      throw new UDFArgumentException(f + ": this function object was not initialized on the "
          + "driver; register it with CREATE FUNCTION ... AS '" + getClass().getName() + "'");
    }
    if (f.equals(ClassifyFunction.PROBA)) {
      return ObjectInspectorFactory.getStandardMapObjectInspector(
          PrimitiveObjectInspectorFactory.javaStringObjectInspector,
          PrimitiveObjectInspectorFactory.javaFloatObjectInspector);
    }
    switch (kind) {
      case "MULTILABEL":
        return ObjectInspectorFactory.getStandardListObjectInspector(
            PrimitiveObjectInspectorFactory.javaStringObjectInspector);
      case "PROJECTOR":
        return ObjectInspectorFactory.getStandardListObjectInspector(
            PrimitiveObjectInspectorFactory.javaFloatObjectInspector);
      default:
        return PrimitiveObjectInspectorFactory.javaStringObjectInspector;
    }
  }

  @Override
  public Object evaluate(DeferredObject[] arguments) throws HiveException {
    Object value = arguments[0].get();
    String text = value == null ? null
        : PrimitiveObjectInspectorUtils.getString(value, textInspector);
    if (text == null) {
      return null;
    }
    Classifier c = classifier;
    if (c == null) {
      c = deserialize(classifierBytes);
      classifier = c;
    }
    StaticModelPipeline p = c.pipeline();
    if (p.isProjector()) {
      List<Float> out = new ArrayList<>();
      for (float x : p.project(text)) {
        out.add(x);
      }
      return out;
    }
    float[] proba = p.predictProba(text);
    if (function().equals(ClassifyFunction.PROBA)) {
      Map<String, Float> m = new LinkedHashMap<>();
      for (int i = 0; i < proba.length; i++) {
        m.put(p.classes().get(i), proba[i]);
      }
      return m;
    }
    return p.isMultilabel() ? p.labels(proba) : p.top(proba);
  }

  @Override
  public String getDisplayString(String[] children) {
    return getStandardDisplayString(function(), children);
  }

  private static byte[] serialize(Classifier c) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(c);
    } catch (IOException ex) {
      throw new IllegalStateException("classify: could not serialize the classifier: " + ex, ex);
    }
    return bytes.toByteArray();
  }

  private static Classifier deserialize(byte[] bytes) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
          @Override
          protected Class<?> resolveClass(java.io.ObjectStreamClass desc)
              throws IOException, ClassNotFoundException {
            return Class.forName(desc.getName(), false, ClassifyUDF.class.getClassLoader());
          }
        }) {
      return (Classifier) in.readObject();
    } catch (IOException | ClassNotFoundException ex) {
      throw new IllegalStateException("classify: could not read the driver's classifier: " + ex,
          ex);
    }
  }
}
