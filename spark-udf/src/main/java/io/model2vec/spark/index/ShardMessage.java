package io.model2vec.spark.index;

import org.apache.spark.sql.connector.write.WriterCommitMessage;

/** What a committed task tells the driver: where its shard is, and what it holds. */
final class ShardMessage implements WriterCommitMessage {
  private static final long serialVersionUID = 1L;
  final int partition;
  final long taskId;
  /** The attempt's private folder under {@code OUTPUT/_temporary}. */
  final String attemptDir;
  final long rows;
  /** Dimensions of the vectors (0 when the partition had no rows). */
  final int dimensions;
  /** Whether every non-zero vector was already unit length (the model normalizes). */
  final boolean unitVectors;

  ShardMessage(int partition, long taskId, String attemptDir, long rows, int dimensions,
      boolean unitVectors) {
    this.partition = partition;
    this.taskId = taskId;
    this.attemptDir = attemptDir;
    this.rows = rows;
    this.dimensions = dimensions;
    this.unitVectors = unitVectors;
  }

  @Override
  public String toString() {
    return "shard of partition " + partition + " (task " + taskId + "): " + rows + " rows in "
        + attemptDir;
  }
}
