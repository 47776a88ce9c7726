package io.model2vec.spark.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.StaticModel;
import io.model2vec.index.IndexManifest;
import io.model2vec.index.IvfKernels;
import io.model2vec.index.IvfLayout;
import io.model2vec.index.VectorIndex;
import io.model2vec.spark.Model2VecSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IVF index builds (the default), appends and Spark searches in a local session. */
class IvfSparkTest {
  private static final int N = 3000;
  private static SparkSession spark;
  private static List<String> texts;
  private static Dataset<Row> docs;
  private static StructType schema;

  @TempDir
  static Path shared;

  @BeforeAll
  static void start() {
    // local[2, 4]: a failed task is retried (up to 4 attempts), as on a cluster
    spark = SparkSession.builder().master("local[2,4]").appName("model2vec-ivf-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    Model2VecSpark.register(spark, null);
    texts = Fixtures.fortuneTexts(N + 500);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N + 500; i++) {
      rows.add(RowFactory.create((long) i, texts.get(i), i % 2 == 0 ? "even" : "odd"));
    }
    schema = new StructType().add("id", DataTypes.LongType, false)
        .add("text", DataTypes.StringType, true).add("parity", DataTypes.StringType, true);
    docs = spark.createDataFrame(rows, schema).repartition(5);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void everyRowOnceAfterAFailedTaskAndTheListsAreATable() throws Exception {
    // the first attempt of partition 1 fails half way through its rows (as a killed executor's
    // task does); Spark runs it again and its commit protocol keeps one attempt's files
    Dataset<Row> flaky = docs.where("id < " + N).mapPartitions(
        (org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) it -> {
          TaskContext tc = TaskContext.get();
          List<Row> out = new ArrayList<>();
          int n = 0;
          while (it.hasNext()) {
            out.add(it.next());
            if (tc.partitionId() == 1 && tc.attemptNumber() == 0 && ++n == 100) {
              throw new IllegalStateException("simulated executor loss");
            }
          }
          return out.iterator();
        }, Encoders.row(schema));
    Path out = shared.resolve("flaky");
    IndexManifest m = Model2VecIndex.writer(flaky).keep("parity").save(out.toString());
    assertThat(m.format()).isEqualTo(2);
    assertThat(m.rows()).isEqualTo(N);
    assertThat(m.ivf().lists()).isEqualTo(IvfLayout.defaultLists(N));
    assertThat(out.resolve("_temporary")).doesNotExist();
    // Spark reads the index as a table: each id once
    Dataset<Row> table = spark.read().option("pathGlobFilter", "*.parquet").parquet(out.toString());
    assertThat(table.count()).isEqualTo(N);
    assertThat(table.select("id").distinct().count()).isEqualTo(N);
    assertThat(table.columns()).contains("id", "text", "code", "scale", "parity", "list");
    try (VectorIndex index = VectorIndex.open(out)) {
      List<VectorIndex.Hit> all = index.exactSearch(texts.get(0), N + 10);
      assertThat(all).hasSize(N);
      assertThat(all.stream().map(VectorIndex.Hit::id).collect(Collectors.toSet())).hasSize(N);
      VectorIndex.Hit top = index.search(texts.get(17), 1).get(0);
      assertThat(texts.get(Integer.parseInt(top.id()))).isEqualTo(texts.get(17));
      assertThat(top.score()).isGreaterThan(0.9999f);
      assertThat(top.fields()).containsEntry("parity",
          Integer.parseInt(top.id()) % 2 == 0 ? "even" : "odd");
    }
  }

  @Test
  void anAppendIsAtomic() throws Exception {
    Path out = shared.resolve("appended");
    Model2VecIndex.writer(docs.where("id < 1000")).keep("parity").save(out.toString());
    // a failing append (a null id fails its task) leaves the index as it was
    Dataset<Row> bad = docs.where("id >= 1000 AND id < 1200")
        .selectExpr("IF(id = 1100, NULL, id) AS id", "text", "parity");
    byte[] before = Files.readAllBytes(out.resolve(IndexManifest.FILE));
    assertThatThrownBy(() -> Model2VecIndex.writer(bad).keep("parity").append(true)
        .save(out.toString())).hasStackTraceContaining("has a null id");
    assertThat(Files.readAllBytes(out.resolve(IndexManifest.FILE))).isEqualTo(before);
    assertThat(spark.read().option("pathGlobFilter", "*.parquet").parquet(out.toString()).count()).isEqualTo(1000);
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("_append"));
    }
    try (VectorIndex index = VectorIndex.open(out)) {
      assertThat(index.size()).isEqualTo(1000);
      assertThat(index.manifest().ivf().generation()).isEqualTo(1);
    }
    // a good append: the next generation, the old files and centroids kept
    IndexManifest m = Model2VecIndex.writer(docs.where("id >= 1000 AND id < 1500")).keep("parity")
        .append(true).save(out.toString());
    assertThat(m.rows()).isEqualTo(1500);
    assertThat(m.ivf().generation()).isEqualTo(2);
    try (VectorIndex index = VectorIndex.open(out)) {
      VectorIndex.Hit top = index.search(texts.get(1234), 1).get(0);
      assertThat(texts.get(Integer.parseInt(top.id()))).isEqualTo(texts.get(1234));
      Set<String> ids = new HashSet<>();
      index.exactSearch(texts.get(0), 2000).forEach(h -> ids.add(h.id()));
      assertThat(ids).hasSize(1500);
    }
  }

  @Test
  void aSparkSearchReadsOnlyTheProbedLists() throws Exception {
    Path out = shared.resolve("searched");
    IndexManifest m = Model2VecIndex.writer(docs.where("id < " + N)).keep("parity")
        .save(out.toString());
    StaticModel model = m.model().shared();
    String query = texts.get(N + 3); // not a row
    float[] q = IvfKernels.normalized(model.encode(query));
    Dataset<Row> scan = IvfSparkSearch.scan(spark, new org.apache.hadoop.fs.Path(out.toString()),
        m, q, 8);
    Set<String> probedLists = new HashSet<>();
    for (String f : scan.inputFiles()) {
      String dir = new org.apache.hadoop.fs.Path(f).getParent().getName();
      probedLists.add(dir);
    }
    assertThat(probedLists).hasSizeLessThanOrEqualTo(8).isNotEmpty();
    Set<String> allLists = new HashSet<>();
    m.ivf().files().forEach(f -> allLists.add(f.path().substring(0, f.path().indexOf('/'))));
    assertThat(allLists.size()).isGreaterThan(2 * probedLists.size());
    assertThat(scan.count()).isLessThan(N / 2);
    // the same top hits as the single-process search
    List<Row> hits = IvfSparkSearch.search(spark, out.toString(), query, 5, 0);
    try (VectorIndex index = VectorIndex.open(out)) {
      List<VectorIndex.Hit> local = index.search(query, 5);
      assertThat(hits.stream().map(r -> r.getString(0)).collect(Collectors.toList()))
          .isEqualTo(local.stream().map(VectorIndex.Hit::id).collect(Collectors.toList()));
      // the same cosine, summed in another order
      assertThat(hits.get(0).getFloat(1)).isCloseTo(local.get(0).score(),
          org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void nearestInSqlOverAnIvfIndex() {
    Path out = shared.resolve("sql");
    Model2VecIndex.writer(docs.where("id < 800")).keep("parity").save(out.toString());
    docs.where("id < 800").createOrReplaceTempView("ivfdocs");
    String dir = out.toString().replace("'", "\\'");
    List<Row> rows = spark.sql("SELECT id, text, nearest(text, '" + dir + "', 3) AS hits "
        + "FROM ivfdocs WHERE id < 30").collectAsList();
    assertThat(rows).hasSize(30);
    for (Row r : rows) {
      List<Row> hits = r.getList(2);
      assertThat(hits).hasSize(3);
      assertThat(hits.get(0).getString(2)).isEqualTo(r.getString(1));
      assertThat(hits.get(0).getFloat(1)).isGreaterThan(0.9999f);
      assertThat(hits.get(0).getString(3)).isIn("even", "odd");
    }
  }
}
