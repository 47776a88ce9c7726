package io.model2vec.flink;

import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** Shared test helpers: the cluster shape of the issue and the expected vectors. */
final class FlinkTests {
  private FlinkTests() {}

  /** The Flink line under test ("1.20" or "2"), set by the line module's build. */
  static final String LINE = System.getProperty("flink.line", "2");

  /** Whether this Flink line has CREATE MODEL / ML_PREDICT (2.1+), and so our model provider. */
  static boolean hasModelProvider() {
    return !LINE.equals("1.20");
  }

  /** 2 TaskManagers x 2 slots, in this JVM. */
  static MiniClusterExtension miniCluster() {
    return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
        .setNumberTaskManagers(2)
        .setNumberSlotsPerTaskManager(2)
        .build());
  }

  static String modelPath(String name) {
    return Fixtures.model(name).toString();
  }

  /** The core's vector for {@code text}, from a model loaded outside the cache. */
  static float[] coreVector(String model, LoadOptions options, String text) {
    try (StaticModel m = StaticModel.load(model, options)) {
      return m.encode(text);
    }
  }

  /** Texts with variety: German, English, empty, long; from the shared corpus. */
  static List<String> texts(int n) {
    List<String> out = new ArrayList<>(Fixtures.fortuneTexts(n - 2));
    out.add("");
    out.add("hello world");
    return out;
  }

  /** A SQL ARRAY<FLOAT> value (float[] or Float[]) as float[]. */
  static float[] floats(Object value) {
    if (value == null || value instanceof float[]) {
      return (float[]) value;
    }
    Object[] boxed = (Object[]) value;
    float[] out = new float[boxed.length];
    for (int i = 0; i < boxed.length; i++) {
      out[i] = (Float) boxed[i];
    }
    return out;
  }
}
