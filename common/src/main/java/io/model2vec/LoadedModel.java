package io.model2vec;

import io.model2vec.tokenizer.TokenIdEncoder;
import io.model2vec.tokenizer.TokenizerInfo;
import io.model2vec.tokenizer.Tokenizers;

/**
 * What loading a model's files produces, and all that its views share: the table, the mapping
 * and weights, and the tokenizer. A {@link StaticModel} is a view of one: its options
 * (normalize, max length, dimensions) choose how the table is pooled, never what it holds, so a
 * shared model with other options is another view of the same instance (see
 * {@link SharedModels}), not another copy of the table.
 */
final class LoadedModel {
  final String description;
  final EmbeddingTable table;
  /** Token id -> table row, or null when rows are token ids. */
  final int[] mapping;
  final TokenWeights weights;
  final TokenIdEncoder tokenizer;
  final TokenizerInfo tokenizerInfo;
  /** The config's normalize, which views follow unless their options say otherwise. */
  final boolean normalize;
  final boolean poolInDouble;
  /** See {@link StaticModel#loadTime()}. */
  final String loadTime;

  LoadedModel(ModelParts parts, ModelFiles files) {
    long partsDone = System.nanoTime(); // after ModelParts.read: files parsed and checked
    this.description = parts.description;
    this.table = parts.table;
    this.mapping = parts.mapping;
    this.weights = parts.weights;
    this.tokenizerInfo = parts.tokenizer;
    this.normalize = parts.normalize;
    this.poolInDouble = table.poolsInDouble(weights != null)
        || (weights != null && weights.poolsInDouble());
    this.tokenizer = Tokenizers.create(parts.tokenizerJson, tokenizerInfo, parts.tokenizerName);
    long done = System.nanoTime();
    // Where a load's time goes. The first load in a JVM also pays for class loading and runs
    // interpreted (a second load of the same model in a warm JVM is several times faster); a
    // native tokenizer's time includes extracting and loading the native library once per JVM.
    this.loadTime = String.format(java.util.Locale.ROOT, "%d ms: files read %d ms, "
        + "tokenizer.json parsed %d ms, table read and checked %d ms, tokenizer built %d ms",
        millis(done - files.startedAt), millis(files.readAt - files.startedAt),
        millis(parts.tokenizerParseNanos), millis(parts.tableNanos), millis(done - partsDone));
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
