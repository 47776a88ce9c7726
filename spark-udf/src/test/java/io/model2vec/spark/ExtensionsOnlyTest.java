package io.model2vec.spark;

import static io.model2vec.spark.SparkTestSupport.vector;
import static org.assertj.core.api.Assertions.assertThat;

import io.model2vec.Fixtures;
import io.model2vec.LoadOptions;
import io.model2vec.StaticModel;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** No code at all: spark.sql.extensions + spark.model2vec.* configuration. */
class ExtensionsOnlyTest {
  @Test
  void embedIsAvailableFromConfigurationAlone() {
    String model = Fixtures.model("test-model-float32").toString();
    String named = Fixtures.model("test-model-vocab-quantized").toString();
    SparkSession spark = SparkTestSupport.localSession()
        .config("spark.sql.extensions", Model2VecExtensions.class.getName())
        .config("spark.model2vec.model", model)
        .config("spark.model2vec.normalize", "false")
        .config("spark.model2vec.models.multi", named)
        .config("spark.model2vec.models.multi.dimensions", "8")
        .getOrCreate();
    try {
      List<Row> rows = spark.sql("SELECT embed('hello world'), embed('hello world', 'multi'), "
          + "embed(CAST(NULL AS STRING))").collectAsList();
      try (StaticModel a = StaticModel.load(model, LoadOptions.builder().normalize(false).build());
          StaticModel b = StaticModel.load(named, LoadOptions.builder().dimensions(8).build())) {
        assertThat(vector(rows.get(0), 0)).containsExactly(a.encode("hello world"));
        assertThat(vector(rows.get(0), 1)).containsExactly(b.encode("hello world"));
      }
      assertThat(rows.get(0).isNullAt(2)).isTrue();
      assertThat(spark.sql("SHOW FUNCTIONS LIKE 'embed'").collectAsList().toString()).contains("embed");
      // the line module's own Spark, not another line's
      assertThat(spark.version()).isEqualTo(System.getProperty("model2vec.sparkVersion"));
    } finally {
      spark.stop();
    }
  }

  @Test
  void withNoModelConfiguredEmbedUsesTheBuiltInModel() {
    SparkSession spark = SparkTestSupport.localSession()
        .config("spark.sql.extensions", Model2VecExtensions.class.getName())
        .getOrCreate();
    try (StaticModel builtIn = StaticModel.load((String) null)) {
      Row row = spark.sql("SELECT embed('Knead the dough until it is smooth')").first();
      assertThat(vector(row, 0)).hasSize(384)
          .containsExactly(builtIn.encode("Knead the dough until it is smooth"));
    } finally {
      spark.stop();
    }
  }
}
