package io.model2vec.spark;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under another URI scheme ({@code m2vtest:///path}): a real Hadoop FileSystem
 * that is not {@code file:}, so tests take the code path of {@code hdfs://} and {@code s3a://}
 * models without an HDFS or S3 here.
 */
public class SchemeLocalFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "m2vtest";

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }
}
