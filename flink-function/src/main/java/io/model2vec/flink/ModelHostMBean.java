package io.model2vec.flink;

/**
 * What the JVM's model host ({@link ModelHost}) shows through the platform MBean server: its class
 * loader (how later jobs find it) and how many models it has loaded. Public because JMX requires
 * it; not an API.
 *
 * <p>Internal: not part of the public API; may change without notice.
 */
public interface ModelHostMBean {
  /** The class loader that holds the models and the native tokenizer library. */
  ClassLoader getLoader();

  /** Models loaded by the host so far ({@code StaticModel.loadCount()} there). */
  long getLoadCount();
}
