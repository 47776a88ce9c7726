/**
 * Training classifier heads on a static model's embeddings, saved as model2vec's
 * {@code StaticModelPipeline} saves them ({@code pipeline.skops}, scikit-learn 1.2.1 + skops).
 */
package io.model2vec.pipeline.train;
