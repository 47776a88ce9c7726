package io.model2vec.spark.index;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.model2vec.LoadOptions;
import io.model2vec.ModelReference;
import io.model2vec.index.Quantization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The DataSource V2 sink behind {@link Model2VecIndex#writer}: public only because Spark
 * instantiates it by name; use {@link Model2VecIndex}, which prepares the rows (id, text,
 * vector, kept columns) and the options. Write-only, append into a folder that
 * {@link Model2VecIndex} has checked to be new or emptied.
 */
public final class IndexSource implements TableProvider {
  static final String PATH = "path";
  static final String ID_COLUMN = "idColumn";
  static final String STORE_TEXT = "storeText";
  static final String KEPT = "kept";
  static final String DIMENSIONS = "dimensions";
  static final String QUANTIZATION = "quantization";
  static final String MODEL = "model";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    throw new UnsupportedOperationException("model2vec index folders are written through "
        + "Model2VecIndex.writer(df), not read as a table; open them with VectorIndex.open");
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true; // the schema is the written DataFrame's
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> props) {
    return new IndexTable(schema, new CaseInsensitiveStringMap(props));
  }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T> T fromJson(String json, TypeReference<T> type) {
    try {
      return JSON.readValue(json, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The sink as a table: its schema is what is written. */
  static final class IndexTable implements SupportsWrite {
    private final StructType schema;
    private final CaseInsensitiveStringMap options;

    IndexTable(StructType schema, CaseInsensitiveStringMap options) {
      this.schema = schema;
      this.options = options;
    }

    @Override
    public String name() {
      return "model2vec-index " + options.get(PATH);
    }

    @Override
    @SuppressWarnings("deprecation")
    public StructType schema() {
      return schema;
    }

    @Override
    public Set<TableCapability> capabilities() {
      return Set.of(TableCapability.BATCH_WRITE);
    }

    @Override
    public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
      CaseInsensitiveStringMap o = info.options().isEmpty() ? options : info.options();
      return new WriteBuilder() {
        @Override
        public Write build() {
          return new Write() {
            @Override
            public BatchWrite toBatch() {
              return batch(o);
            }
          };
        }
      };
    }

    private static BatchWrite batch(CaseInsensitiveStringMap o) {
      Map<String, String> model = fromJson(o.get(MODEL), new TypeReference<Map<String, String>>() {});
      ModelReference reference = ModelReference.of(model.get(ModelReference.MODEL),
          LoadOptions.parse("", model::get));
      List<String> kept = fromJson(o.get(KEPT), new TypeReference<List<String>>() {});
      IndexWriteSpec spec = new IndexWriteSpec(o.get(PATH), o.get(ID_COLUMN),
          Boolean.parseBoolean(o.get(STORE_TEXT)), kept, Integer.parseInt(o.get(DIMENSIONS)),
          Quantization.parse(o.get(QUANTIZATION)),
          new HadoopConf(SparkSession.active().sparkContext().hadoopConfiguration()));
      return new IndexBatchWrite(spec, reference);
    }
  }
}
