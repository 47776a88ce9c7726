package io.model2vec.spark;

import org.apache.spark.sql.SparkSessionExtensions;
import scala.Tuple3;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Adds {@code embed}, {@code nearest}, {@code classify} and {@code classify_proba} to every
 * session, with no code:
 *
 * <pre>
 * spark-sql --jars model2vec-spark-bundle.jar \
 *   --conf spark.sql.extensions=io.model2vec.spark.Model2VecExtensions \
 *   --conf spark.model2vec.model=minishlab/potion-base-8M
 * </pre>
 *
 * Works for spark-sql, spark-shell, PySpark, the Thrift server and Spark Connect.
 */
public final class Model2VecExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectFunction(new Tuple3<>(EmbedFunction.identifier(), EmbedFunction.INFO,
        EmbedFunction.builder()));
    extensions.injectFunction(io.model2vec.spark.index.NearestFunction.description());
    ClassifyFunction.descriptions().forEach(extensions::injectFunction);
    return BoxedUnit.UNIT;
  }
}
