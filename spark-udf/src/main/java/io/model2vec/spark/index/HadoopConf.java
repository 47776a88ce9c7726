package io.model2vec.spark.index;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's Hadoop configuration, shipped to tasks (credentials and file system settings of
 * the application reach the executors that write shards and read indexes). Hadoop's
 * {@link Configuration} is {@code Writable}, not {@code Serializable}: kept as its bytes.
 */
final class HadoopConf implements Serializable {
  private static final long serialVersionUID = 1L;
  private final byte[] bytes;
  private transient Configuration conf;

  HadoopConf(Configuration conf) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DataOutputStream data = new DataOutputStream(out)) {
      conf.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.bytes = out.toByteArray();
    this.conf = conf;
  }

  Configuration get() {
    Configuration c = conf;
    if (c == null) {
      c = new Configuration(false);
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
        c.readFields(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      conf = c;
    }
    return c;
  }
}
