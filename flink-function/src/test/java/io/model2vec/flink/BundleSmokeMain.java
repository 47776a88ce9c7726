package io.model2vec.flink;

import io.model2vec.StaticModel;

/**
 * Run by {@link BundleIT} in a fresh JVM whose classpath is the bundle jar and SLF4J only (as in
 * Flink's lib/): loads a model (relocated Jackson reads config.json, DJL's native tokenizer loads
 * from the bundle) and prints the raw float bits of one vector.
 */
public final class BundleSmokeMain {
  private BundleSmokeMain() {}

  public static void main(String[] args) throws Exception {
    try {
      Class.forName("com.fasterxml.jackson.databind.ObjectMapper");
      System.out.println("unrelocated-jackson-visible");
    } catch (ClassNotFoundException expected) {
      System.out.println("jackson-relocated");
    }
    try (StaticModel model = StaticModel.load(args[0])) {
      StringBuilder sb = new StringBuilder("vector=");
      for (float x : model.encode(args[1])) {
        sb.append(Float.floatToRawIntBits(x)).append(',');
      }
      System.out.println(sb);
      System.out.println("tokenizer=" + model.tokenizerImplementation());
    }
  }
}
