package io.model2vec.spark;

import java.io.IOException;
import java.net.URI;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under another URI scheme ({@code m2vtest:///path}): a real Hadoop FileSystem
 * that is not {@code file:}, so tests take the code path of {@code hdfs://} and {@code s3a://}
 * models without an HDFS or S3 here.
 */
public class SchemeLocalFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "m2vtest";
  /** Every file opened for reading through this scheme, for tests of what a reader reads. */
  public static final Queue<String> OPENED = new ConcurrentLinkedQueue<>();

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    OPENED.add(f.toUri().getPath());
    return super.open(f, bufferSize);
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }
}
