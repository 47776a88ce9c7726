package io.model2vec.spark.index;

import io.model2vec.index.IndexShardWriter;
import io.model2vec.index.Quantization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * One task attempt's shard: rows (id, text, vector, kept columns as strings) go into a Lucene
 * shard in a local temporary folder; {@link #commit} (called only for the attempt Spark's commit
 * coordinator authorizes) merges it and copies it into the attempt's own folder under
 * {@code OUTPUT/_temporary}; the driver moves committed attempts into place.
 */
final class ShardDataWriter implements DataWriter<InternalRow> {
  private final IndexWriteSpec spec;
  private final int partition;
  private final long taskId;
  private final Path local;
  private IndexShardWriter shard;
  private float[] scratch;
  private String[] stored;
  private boolean unit = true;
  private org.apache.hadoop.fs.Path copied;

  ShardDataWriter(IndexWriteSpec spec, int partition, long taskId) {
    this.spec = spec;
    this.partition = partition;
    this.taskId = taskId;
    try {
      this.local = Files.createTempDirectory("model2vec-shard-" + partition + "-" + taskId + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("partition " + partition + ": no local temporary folder for "
          + "its shard: " + e.getMessage(), e);
    }
    this.stored = new String[spec.kept.size()];
  }

  @Override
  public void write(InternalRow row) {
    if (row.isNullAt(0)) {
      throw new IllegalArgumentException("index " + spec.output + ": a row of partition "
          + partition + " has a null id (column '" + spec.idColumn + "'); every row needs an id");
    }
    String id = row.getUTF8String(0).toString();
    String text = row.isNullAt(1) ? null : row.getUTF8String(1).toString();
    ArrayData vector = row.isNullAt(2) ? null : row.getArray(2);
    if (shard == null) {
      scratch = new float[spec.dimensions];
      shard = IndexShardWriter.create(local, spec.dimensions, spec.quantization, spec.kept);
    }
    if (vector == null) {
      java.util.Arrays.fill(scratch, 0f); // a null text: the zero vector, kept with its id
    } else {
      if (vector.numElements() != scratch.length) {
        throw new IllegalArgumentException("index " + spec.output + ": row id " + id + " has "
            + vector.numElements() + " dimensions, the shard has " + scratch.length);
      }
      double sum = 0;
      for (int i = 0; i < scratch.length; i++) {
        float x = vector.getFloat(i);
        scratch[i] = x;
        sum += (double) x * x;
      }
      if (sum != 0 && Math.abs(sum - 1) > 1e-4) {
        unit = false;
      }
    }
    for (int i = 0; i < stored.length; i++) {
      stored[i] = row.isNullAt(3 + i) ? null : row.getUTF8String(3 + i).toString();
    }
    shard.add(id, spec.storeText ? text : null, scratch, stored);
  }

  @Override
  public WriterCommitMessage commit() throws IOException {
    long rows = 0;
    int dims = 0;
    if (shard != null) {
      rows = shard.commit();
      dims = scratch.length;
    }
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(spec.temporary(),
        "part-" + partition + "-task-" + taskId);
    if (rows > 0) {
      FileSystem fs = target.getFileSystem(spec.hadoop.get());
      if (!fs.exists(new org.apache.hadoop.fs.Path(spec.output))) {
        // the job failed and the driver's abort removed the output: do not bring it back
        deleteLocal();
        throw new IOException("index output " + spec.output + " was removed: the build was "
            + "aborted before partition " + partition + " committed");
      }
      copied = target;
      fs.mkdirs(target);
      for (Path f : files(local)) {
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(f.toUri()),
            new org.apache.hadoop.fs.Path(target, f.getFileName().toString()));
      }
    }
    deleteLocal();
    return new ShardMessage(partition, taskId, target.toString(), rows, dims, unit);
  }

  @Override
  public void abort() throws IOException {
    try {
      if (shard != null) {
        shard.close();
      }
    } finally {
      deleteLocal();
      if (copied != null) {
        copied.getFileSystem(spec.hadoop.get()).delete(copied, true);
      }
    }
  }

  @Override
  public void close() throws IOException {
    if (shard != null) {
      shard.close(); // no-op after commit
    }
    deleteLocal();
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("write.lock"))
          .sorted().collect(java.util.stream.Collectors.toList());
    }
  }

  private void deleteLocal() throws IOException {
    if (!Files.exists(local)) {
      return;
    }
    try (Stream<Path> s = Files.walk(local)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).collect(java.util.stream.Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    }
  }
}
