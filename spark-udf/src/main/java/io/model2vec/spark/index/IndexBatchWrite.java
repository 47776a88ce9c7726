package io.model2vec.spark.index;

import io.model2vec.ModelReference;
import io.model2vec.index.IndexManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol of an index build. Each task attempt writes its shard privately and, only
 * if Spark's commit coordinator lets it commit (one attempt per partition: a speculative or
 * retried duplicate is refused and aborts), copies it to {@code OUTPUT/_temporary/part-P-task-T}.
 * The driver's {@link #commit} then moves exactly the attempts named by the messages into
 * {@code shard-NNNNN} (in partition order; empty partitions give no shard), writes
 * {@code manifest.json} last and deletes {@code _temporary}, with whatever a lost executor left
 * there. {@link #abort} deletes the output folder: a failed build leaves no index.
 */
final class IndexBatchWrite implements BatchWrite {
  private static final Logger LOG = LoggerFactory.getLogger(IndexBatchWrite.class);
  private final IndexWriteSpec spec;
  private final ModelReference model;

  IndexBatchWrite(IndexWriteSpec spec, ModelReference model) {
    this.spec = spec;
    this.model = model;
  }

  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    return new Factory(spec);
  }

  @Override
  public boolean useCommitCoordinator() {
    return true;
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    List<ShardMessage> shards = new ArrayList<>();
    boolean unit = true;
    for (WriterCommitMessage m : messages) {
      ShardMessage s = (ShardMessage) m;
      if (s.rows > 0) {
        shards.add(s);
        unit &= s.unitVectors;
      }
    }
    shards.sort(Comparator.comparingInt(s -> s.partition));
    Path out = new Path(spec.output);
    try {
      FileSystem fs = out.getFileSystem(spec.hadoop.get());
      Map<String, Long> rows = new LinkedHashMap<>();
      for (ShardMessage s : shards) {
        String name = IndexManifest.shardName(rows.size());
        Path target = new Path(out, name);
        if (!fs.rename(new Path(s.attemptDir), target)) {
          throw new IOException("could not move " + s.attemptDir + " to " + target);
        }
        rows.put(name, s.rows);
      }
      IndexManifest manifest = new IndexManifest(model, spec.dimensions, unit, spec.quantization,
          spec.kept, rows);
      Path tmp = new Path(out, "." + IndexManifest.FILE + ".tmp");
      try (FSDataOutputStream o = fs.create(tmp, true)) {
        o.write(manifest.toJson());
      }
      if (!fs.rename(tmp, new Path(out, IndexManifest.FILE))) {
        throw new IOException("could not move " + tmp + " to " + IndexManifest.FILE);
      }
      fs.delete(spec.temporary(), true);
      LOG.info("index {}: {} rows in {} shards", spec.output, manifest.rows(), rows.size());
    } catch (IOException e) {
      throw new UncheckedIOException("index " + spec.output + ": commit failed: " + e.getMessage(), e);
    }
  }

  /** How long an abort waits for commits already under way before it deletes again. */
  private static final long ABORT_SETTLE_MILLIS = 2000;

  @Override
  public void abort(WriterCommitMessage[] messages) {
    Path out = new Path(spec.output);
    try {
      FileSystem fs = out.getFileSystem(spec.hadoop.get());
      fs.delete(out, true);
      // Spark calls abort as soon as the job fails, without waiting for the tasks it cancels: a
      // task authorized to commit just before may still be copying its shard. Such a copy takes
      // milliseconds (a task's shard is local and finished), so a second pass removes it.
      Thread.sleep(ABORT_SETTLE_MILLIS);
      fs.delete(out, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.warn("index {}: could not delete the output of the failed build: {}", spec.output,
          e.getMessage());
    }
  }

  /** Serialized into each task: makes the task's shard writer. */
  static final class Factory implements DataWriterFactory {
    private static final long serialVersionUID = 1L;
    private final IndexWriteSpec spec;

    Factory(IndexWriteSpec spec) {
      this.spec = spec;
    }

    @Override
    public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
      return new ShardDataWriter(spec, partitionId, taskId);
    }
  }
}
