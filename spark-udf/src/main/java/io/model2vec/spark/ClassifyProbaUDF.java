package io.model2vec.spark;

/**
 * {@code classify_proba(text[, 'pipeline'])} as a Hive {@code GenericUDF}
 * ({@code map<string, float>}), for
 * {@code CREATE [TEMPORARY] FUNCTION classify_proba AS 'io.model2vec.spark.ClassifyProbaUDF'}:
 * see {@link ClassifyUDF}.
 */
public final class ClassifyProbaUDF extends ClassifyUDF {
  @Override
  String function() {
    return ClassifyFunction.PROBA;
  }
}
