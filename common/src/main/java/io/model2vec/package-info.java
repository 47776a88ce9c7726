/**
 * Model2Vec static embeddings on the JVM: {@link io.model2vec.StaticModel} is the runtime,
 * {@link io.model2vec.ModelReference} what engines ship instead of it.
 *
 * <pre>
 * reference ──ModelResolver──▶ folder (local, classpath:, or HubClient → HuggingFace cache)
 * folder ──ModelFiles──▶ bytes of model.safetensors, tokenizer.json, config.json
 * bytes ──ModelParts──▶ EmbeddingTable (SafeTensors, dtype kept) + mapping + TokenWeights
 *                       + TokenizerInfo (vocabulary, unknown id, median token length)
 * text ──truncate──▶ tokenizer/: BertTokenizer (Java WordPiece, Trie) or NativeTokenizer (HF)
 *      ──keptIds──▶ unknown ids dropped, at most max-length ids (IdBuffer, per thread)
 *      ──EmbeddingTable.addRows──▶ (weighted) sum ──▶ mean, or L2-normalized ──▶ float[]
 * SharedModels: one LoadedModel (table, tokenizer) per source per JVM, held by its StaticModel
 *              views (other options), released when idle by Shared, which shares indexes too.
 * LoadOptions.parse / toMap: the one spelling of the options for Spark, Flink and the CLI.
 * </pre>
 */
package io.model2vec;
