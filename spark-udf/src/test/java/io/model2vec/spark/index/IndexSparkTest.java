package io.model2vec.spark.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.Quantization;
import io.model2vec.index.VectorIndex;
import io.model2vec.spark.Model2VecSpark;
import io.model2vec.spark.SchemeLocalFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index builds and nearest() in a local session, with the built-in model: Lucene HNSW shards
 * ({@code hnsw(true)}) and, where the test is about the output folder, the default IVF index.
 */
class IndexSparkTest {
  private static final int N = 3000;
  private static SparkSession spark;
  private static List<String> texts;
  private static Dataset<Row> docs;

  @TempDir
  static Path shared;
  private static Path built;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("model2vec-index-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    Model2VecSpark.register(spark, null);
    texts = Fixtures.fortuneTexts(N);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(RowFactory.create((long) i, texts.get(i), i % 2 == 0 ? "even" : "odd"));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType, true).add("parity", DataTypes.StringType, true);
    docs = spark.createDataFrame(rows, schema).repartition(5);
    docs.createOrReplaceTempView("docs");
    built = shared.resolve("idx");
    Model2VecIndex.writer(docs).keep("parity").hnsw(true).save(built.toString());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void oneShardPerPartitionEveryRowOnce() throws Exception {
    IndexManifest m = VectorIndex.open(built).manifest();
    assertThat(m.shards()).hasSize(5);
    assertThat(m.shards().keySet()).containsExactly("shard-00000", "shard-00001", "shard-00002",
        "shard-00003", "shard-00004");
    List<Long> perPartition = docs.javaRDD().mapPartitions(it -> {
      long n = 0;
      while (it.hasNext()) {
        it.next();
        n++;
      }
      return List.of(n).iterator();
    }).collect();
    assertThat(new ArrayList<>(m.shards().values())).isEqualTo(perPartition);
    assertThat(m.rows()).isEqualTo(N);
    assertThat(m.dimensions()).isEqualTo(384);
    assertThat(m.storedFields()).containsExactly("parity");
    assertThat(m.model().reference()).isNull(); // the built-in model
    assertThat(built.resolve("_temporary")).doesNotExist();
    try (VectorIndex index = VectorIndex.open(built)) {
      // every row exactly once: an exact search for all rows returns each id once
      List<VectorIndex.Hit> all = index.exactSearch(texts.get(0), N + 10);
      assertThat(all).hasSize(N);
      Set<String> ids = new HashSet<>();
      all.forEach(h -> ids.add(h.id()));
      assertThat(ids).hasSize(N);
      // the vectors are embed's: a row's own text finds it with cosine 1
      StaticModel model = StaticModel.shared(null, io.model2vec.LoadOptions.defaults());
      VectorIndex.Hit top = index.exactSearch(model.encode(texts.get(17)), 1).get(0);
      assertThat(texts.get(Integer.parseInt(top.id()))).isEqualTo(texts.get(17));
      assertThat(top.fields()).containsEntry("parity", Integer.parseInt(top.id()) % 2 == 0 ? "even" : "odd");
    }
  }

  @Test
  void shardsOptionAndInt8() throws Exception {
    Path out = shared.resolve("three");
    IndexManifest m = Model2VecIndex.writer(docs).shards(3).quantization(Quantization.INT8)
        .hnsw(true).save(out.toString());
    assertThat(m.shards()).hasSize(3);
    assertThat(m.rows()).isEqualTo(N);
    assertThat(m.quantization()).isEqualTo(Quantization.INT8);
    assertThat(io.model2vec.index.TestIndexes.bytes(out, ".veq")).isGreaterThan(0);
  }

  @Test
  void existingOutputNeedsOverwriteAndAFailedBuildLeavesNothing() throws Exception {
    Path out = shared.resolve("again");
    Model2VecIndex.writer(docs.limit(50)).save(out.toString());
    assertThatThrownBy(() -> Model2VecIndex.writer(docs.limit(50)).save(out.toString()))
        .hasMessageContaining("index output " + out + " exists");
    assertThat(Model2VecIndex.writer(docs.limit(60)).overwrite(true).save(out.toString()).rows())
        .isEqualTo(60);
    // a null id fails its task: the job aborts and the output folder is gone
    Dataset<Row> bad = docs.selectExpr("IF(id = 1234, NULL, id) AS id", "text");
    Path failed = shared.resolve("failed");
    assertThatThrownBy(() -> Model2VecIndex.writer(bad).save(failed.toString()))
        .hasStackTraceContaining("has a null id (column 'id'); every row needs an id");
    assertThat(failed).doesNotExist();
    assertThatThrownBy(() -> Model2VecIndex.writer(docs).textColumn("body").save(failed.toString()))
        .hasMessageStartingWith("index input has no text column 'body' (columns: id, text, parity)");
  }

  @Test
  void aFailedRebuildKeepsTheOldIndexAndOnlyIndexesAreReplaced() throws Exception {
    Path out = shared.resolve("kept");
    Model2VecIndex.writer(docs.where("id < 50")).save(out.toString());
    // the rebuild fails half way (a null id fails its task): the old index is still there
    Dataset<Row> bad = docs.selectExpr("IF(id = 1234, NULL, id) AS id", "text");
    assertThatThrownBy(() -> Model2VecIndex.writer(bad).overwrite(true).save(out.toString()))
        .hasStackTraceContaining("has a null id (column 'id'); every row needs an id");
    try (VectorIndex index = VectorIndex.open(out)) {
      assertThat(index.size()).isEqualTo(50);
      assertThat(index.search(texts.get(7), 1).get(0).score()).isGreaterThan(0.9999f);
    }
    try (java.util.stream.Stream<Path> left = Files.list(shared)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".m2v-"));
    }
    // a folder that is not an index is never replaced, even with a manifest.json in it
    Path site = Files.createDirectories(shared.resolve("site"));
    Files.writeString(site.resolve("manifest.json"), "{\"name\": \"my web app\"}");
    Files.writeString(site.resolve("index.html"), "<html></html>");
    assertThatThrownBy(() -> Model2VecIndex.writer(docs.limit(5)).overwrite(true)
        .save(site.toString()))
        .hasMessageStartingWith("index output " + site + " has a manifest.json that is not an "
            + "index's");
    assertThat(site.resolve("index.html")).hasContent("<html></html>");
    // an output that holds the input is refused before anything is written
    Path data = shared.resolve("lake/docs");
    docs.where("id < 20").write().parquet(data.toString());
    Dataset<Row> fromLake = spark.read().parquet(data.toString());
    assertThatThrownBy(() -> Model2VecIndex.writer(fromLake).overwrite(true)
        .save(shared.resolve("lake").toString()))
        .hasMessageContaining("contains the input");
    assertThat(fromLake.count()).isEqualTo(20);
  }

  @Test
  void nearestInSql() {
    String dir = built.toString().replace("'", "\\'");
    List<Row> rows = spark.sql("SELECT id, text, nearest(text, '" + dir + "', 3) AS hits, "
        + "nearest(embed(text), '" + dir + "') AS byvector FROM docs WHERE id < 40").collectAsList();
    assertThat(rows).hasSize(40);
    for (Row r : rows) {
      List<Row> hits = r.getList(2);
      assertThat(hits).hasSize(3);
      Row top = hits.get(0);
      assertThat(top.getString(2)).isEqualTo(r.getString(1)); // its own text (or a duplicate)
      assertThat(top.getFloat(1)).isGreaterThan(0.9999f);
      assertThat(top.getString(3)).isIn("even", "odd");
      List<Row> byVector = r.getList(3);
      assertThat(byVector).hasSize(10);
      assertThat(byVector.get(0).getString(0)).isEqualTo(top.getString(0));
    }
    Row schema = spark.sql("SELECT nearest('x', '" + dir + "', 2) AS h").collectAsList().get(0);
    assertThat(schema.schema().apply("h").dataType().simpleString())
        .isEqualTo("array<struct<id:string,score:float,text:string,parity:string>>");
    assertThat(spark.sql("SELECT nearest(CAST(NULL AS STRING), '" + dir + "', 2)").first().isNullAt(0))
        .isTrue();
    assertThat(spark.sql("SELECT nearest(NULL, '" + dir + "')").first().isNullAt(0)).isTrue();
    String describe = spark.sql("DESCRIBE FUNCTION EXTENDED nearest").collectAsList().toString();
    assertThat(describe).contains("nearest(query, index[, k]) - Returns the k nearest rows");
    assertThatThrownBy(() -> spark.sql("SELECT nearest('x', '" + dir + "', 0)").collect())
        .hasMessageContaining("nearest: k must be an integer literal >= 1, was 0");
    assertThatThrownBy(() -> spark.sql("SELECT nearest('x', '" + dir + "', 'ten')").collect())
        .hasMessageContaining("INT\" literal >= 1 (k)");
    assertThatThrownBy(() -> spark.sql("SELECT nearest('x', '" + shared.resolve("none") + "')"))
        .hasMessageContaining("manifest.json: missing");
  }

  @Test
  void aHadoopFileSystemIsWrittenAndReadThroughHadoop() throws Exception {
    // the local disk under another scheme: the code path of hdfs:// and s3a://
    spark.sparkContext().hadoopConfiguration().set("fs.m2vtest.impl",
        "io.model2vec.spark.SchemeLocalFileSystem");
    Path local = shared.resolve("hadoop-index");
    String uri = "m2vtest://" + local;
    IndexManifest m = Model2VecIndex.writer(docs.where("id < 300")).keep("parity").save(uri);
    assertThat(m.rows()).isEqualTo(300);
    assertThat(local.resolve("manifest.json")).isRegularFile();
    assertThat(local.resolve("_temporary")).doesNotExist();
    List<Row> rows = spark.sql("SELECT text, nearest(text, '" + uri + "', 1) FROM docs WHERE id < 300")
        .collectAsList();
    assertThat(rows).hasSize(300);
    for (Row r : rows) {
      // the row itself, or one with the same vector (a text of few known tokens)
      assertThat(r.<Row>getList(1).get(0).getFloat(1)).isGreaterThan(0.9999f);
    }
  }

  @Test
  void executorsReadOnlyTheProbedListsOfAnIndexOnAHadoopFileSystem() throws Exception {
    spark.sparkContext().hadoopConfiguration().set("fs.m2vtest.impl",
        "io.model2vec.spark.SchemeLocalFileSystem");
    Path local = shared.resolve("hadoop-ivf");
    String uri = "m2vtest://" + local;
    IndexManifest m = Model2VecIndex.writer(docs.where("id < 600")).lists(24).nprobe(2).save(uri);
    int files = m.ivf().files().size();
    SchemeLocalFileSystem.OPENED.clear();
    List<Row> rows = spark.sql("SELECT nearest('a rocket launch to the moon', '" + uri + "', 3)")
        .collectAsList();
    assertThat(rows.get(0).getList(0)).hasSize(3);
    Set<String> lists = new HashSet<>();
    int parquet = 0;
    for (String f : SchemeLocalFileSystem.OPENED) {
      if (f.endsWith(".parquet")) {
        parquet++;
        lists.add(Path.of(f).getParent().getFileName().toString());
      }
    }
    // the probed lists' files, and nothing else of the index's lists
    assertThat(lists).isNotEmpty().hasSizeLessThanOrEqualTo(2);
    assertThat(parquet).isLessThan(files);
    assertThat(SchemeLocalFileSystem.OPENED).anyMatch(f -> f.endsWith("/manifest.json"))
        .anyMatch(f -> f.endsWith("/centroids.f32"));
  }

  @Test
  void aWrongVectorSizeIsOneLine() {
    String dir = built.toString();
    assertThatThrownBy(() -> spark.sql("SELECT nearest(array(CAST(1 AS FLOAT), CAST(2 AS FLOAT)), '"
        + dir + "')").collect()).hasStackTraceContaining("query vector has 2 dimensions, the index");
    assertThat(Files.exists(built)).isTrue();
  }
}
