package io.model2vec.examples;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/** Flink SQL: embed(text) registered by class name; the model comes from the configuration. */
public final class FlinkSqlExample {
  private FlinkSqlExample() {}

  public static void main(String[] args) throws Exception {
    TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inBatchMode());
    // unset model2vec.model: the built-in model
    tEnv.getConfig().getConfiguration().setString("model2vec.max-length", "256");
    tEnv.executeSql("CREATE TEMPORARY FUNCTION embed AS 'io.model2vec.flink.EmbedFunction'");
    try (CloseableIterator<Row> rows = tEnv.executeSql("SELECT text, CARDINALITY(embed(text)) "
        + "FROM (VALUES ('How do I bake bread?'), ('The rocket launched at dawn')) AS t(text)")
        .collect()) {
      while (rows.hasNext()) {
        Row r = rows.next();
        System.out.printf("%s -> %d dimensions%n", r.getField(0), (Integer) r.getField(1));
      }
    }
  }
}
