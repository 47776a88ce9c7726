package io.model2vec.spark.index;

import io.model2vec.index.Quantization;
import java.io.Serializable;
import java.util.List;

/** What every task needs to write its shard (serialized into the tasks). */
final class IndexWriteSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The index folder (a local path or Hadoop URI, as the user gave it, qualified). */
  final String output;
  final String idColumn;
  final boolean storeText;
  final List<String> kept;
  final int dimensions;
  final Quantization quantization;
  final HadoopConf hadoop;

  IndexWriteSpec(String output, String idColumn, boolean storeText, List<String> kept,
      int dimensions, Quantization quantization, HadoopConf hadoop) {
    this.output = output;
    this.idColumn = idColumn;
    this.storeText = storeText;
    this.kept = List.copyOf(kept);
    this.dimensions = dimensions;
    this.quantization = quantization;
    this.hadoop = hadoop;
  }

  /** Where committed task attempts wait for the job's commit. */
  org.apache.hadoop.fs.Path temporary() {
    return new org.apache.hadoop.fs.Path(output, "_temporary");
  }
}
