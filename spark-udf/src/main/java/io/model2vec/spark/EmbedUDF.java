package io.model2vec.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.AbstractList;
import java.util.RandomAccess;
import org.apache.hadoop.hive.ql.exec.Description;
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
 * {@code embed(text[, 'model'])} as a Hive {@code GenericUDF}: the class that
 * {@code CREATE [TEMPORARY] FUNCTION embed AS 'io.model2vec.spark.EmbedUDF' [USING JAR '...']}
 * accepts in a session with Hive support (Thrift server, Hive metastore). Spark without Hive
 * support accepts only aggregate functions there; such sessions use the extension or
 * {@link Model2VecSpark#register}.
 *
 * <p>Same model, options and vectors as {@code embed}: on the driver, {@link #initialize} reads
 * the session configuration ({@code spark.model2vec.*}), ships the model like {@code embed} and
 * keeps the resulting {@link Embedder} as Java-serialized bytes, which reach the executors inside
 * the function object (Hive serializes it with Kryo, which must not see Spark's accumulators).
 * Executors load the model once per JVM, shared with {@code embed}.
 */
@Description(name = "embed",
    value = "_FUNC_(text[, 'model']) - the Model2Vec vector of text as array<float> (NULL for "
        + "NULL), with the session's model (spark.model2vec.model) or the named one "
        + "(spark.model2vec.models.<model>)",
    extended = "Example:\n  > SELECT _FUNC_('hello world');\n  [-0.128, -0.171, ...]")
public final class EmbedUDF extends GenericUDF {
  /** The driver's embedder, Java-serialized; the only state that travels to executors. */
  private byte[] embedderBytes;
  private transient Embedder embedder;
  private transient PrimitiveObjectInspector textInspector;

  @Override
  public ObjectInspector initialize(ObjectInspector[] arguments) throws UDFArgumentException {
    if (arguments.length < 1 || arguments.length > 2) {
      throw new UDFArgumentLengthException("embed(text[, 'model']) takes 1 or 2 arguments, got "
          + arguments.length);
    }
    // an untyped NULL (Hive's void) is a string that is NULL: embed(NULL) is NULL, as in embed
    if (!(arguments[0] instanceof PrimitiveObjectInspector)
        || !isStringOrVoid((PrimitiveObjectInspector) arguments[0])) {
      throw new UDFArgumentTypeException(0, "embed: the first argument must be a string, got "
          + arguments[0].getTypeName());
    }
    textInspector = (PrimitiveObjectInspector) arguments[0];
    String modelName = null;
    if (arguments.length == 2) {
      if (!(arguments[1] instanceof ConstantObjectInspector)
          || !(arguments[1] instanceof PrimitiveObjectInspector)) {
        throw new UDFArgumentTypeException(1, "embed: the second argument must be a string "
            + "literal naming a model (spark.model2vec.models.<name>), got "
            + arguments[1].getTypeName());
      }
      Object name = ((ConstantObjectInspector) arguments[1]).getWritableConstantValue();
      modelName = name == null ? null : name.toString();
    }
    if (TaskContext.get() == null) {
      // The driver, at analysis time: resolve and ship the model as embed() does.
      Embedder e = EmbedFunction.embedder(SQLConf.get(), modelName);
      embedderBytes = serialize(e);
      embedder = e;
    } else if (embedderBytes == null) {
      throw new UDFArgumentException("embed: this function object was not initialized on the "
          + "driver; register it with CREATE FUNCTION ... AS '" + EmbedUDF.class.getName() + "'");
    }
    return ObjectInspectorFactory.getStandardListObjectInspector(
        PrimitiveObjectInspectorFactory.javaFloatObjectInspector);
  }

  private static boolean isStringOrVoid(PrimitiveObjectInspector oi) {
    PrimitiveObjectInspectorUtils.PrimitiveGrouping g =
        PrimitiveObjectInspectorUtils.getPrimitiveGrouping(oi.getPrimitiveCategory());
    return g == PrimitiveObjectInspectorUtils.PrimitiveGrouping.STRING_GROUP
        || g == PrimitiveObjectInspectorUtils.PrimitiveGrouping.VOID_GROUP;
  }

  @Override
  public Object evaluate(DeferredObject[] arguments) throws HiveException {
    Object value = arguments[0].get();
    if (value == null) {
      return null;
    }
    String text = PrimitiveObjectInspectorUtils.getString(value, textInspector);
    if (text == null) {
      return null;
    }
    Embedder e = embedder;
    if (e == null) {
      e = deserialize(embedderBytes);
      embedder = e;
    }
    return new FloatList(e.encode(text));
  }

  @Override
  public String getDisplayString(String[] children) {
    return getStandardDisplayString(EmbedFunction.NAME, children);
  }

  private static byte[] serialize(Embedder e) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(e);
    } catch (IOException ex) {
      throw new IllegalStateException("embed: could not serialize the embedder: " + ex, ex);
    }
    return bytes.toByteArray();
  }

  private static Embedder deserialize(byte[] bytes) {
    // In a task: the accumulators inside register with it while they are read.
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
          @Override
          protected Class<?> resolveClass(java.io.ObjectStreamClass desc)
              throws IOException, ClassNotFoundException {
            // Spark's and our classes, whichever loader (USING JAR) holds them.
            return Class.forName(desc.getName(), false, EmbedUDF.class.getClassLoader());
          }
        }) {
      return (Embedder) in.readObject();
    } catch (IOException | ClassNotFoundException ex) {
      throw new IllegalStateException("embed: could not read the driver's embedder: " + ex, ex);
    }
  }

  /** A read-only view of a vector as the list Hive's list inspector expects (no copy). */
  private static final class FloatList extends AbstractList<Float> implements RandomAccess {
    private final float[] values;

    FloatList(float[] values) {
      this.values = values;
    }

    @Override
    public Float get(int index) {
      return values[index];
    }

    @Override
    public int size() {
      return values.length;
    }
  }
}
