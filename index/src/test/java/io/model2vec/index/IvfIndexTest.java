package io.model2vec.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.model2vec.Fixtures;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IVF indexes (format 2) of the fortunes corpus with the built-in model: recall against exact
 * float search at the default nprobe, the Parquet files, what a query reads, bad files.
 */
class IvfIndexTest {
  private static final int ROWS = 6_000;
  private static final int QUERIES = 200;
  private static final ModelReference MODEL = ModelReference.defaultModel();
  private static List<String> texts;
  private static List<String> queries;
  private static Path index;

  @TempDir
  static Path shared;
  @TempDir
  Path tmp;

  @BeforeAll
  static void build() throws Exception {
    List<String> all = Fixtures.fortuneTexts(ROWS + QUERIES);
    texts = all.subList(0, ROWS);
    queries = all.subList(ROWS, ROWS + QUERIES);
    index = TestIndexes.buildIvf(shared.resolve("ivf"), MODEL, texts,
        IvfLayout.defaultLists(ROWS), 2);
  }

  @Test
  void recallAtTenIsAtLeast95PercentAtTheDefaultNprobe() {
    StaticModel m = MODEL.shared();
    float[][] rows = new float[ROWS][];
    for (int i = 0; i < ROWS; i++) {
      rows[i] = Vectors.normalized(m.encode(texts.get(i)));
    }
    try (VectorIndex ix = VectorIndex.open(index)) {
      assertThat(ix.manifest().format()).isEqualTo(2);
      assertThat(ix.size()).isEqualTo(ROWS);
      double found = 0;
      for (String query : queries) {
        float[] q = Vectors.normalized(m.encode(query));
        float[] scores = new float[ROWS];
        for (int i = 0; i < ROWS; i++) {
          scores[i] = IvfKernels.dot(q, rows[i], 0, q.length);
        }
        Integer[] order = new Integer[ROWS];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Float.compare(scores[b], scores[a]));
        // ties with the 10th count as found (the corpus repeats some fortunes)
        float tenth = scores[order[9]];
        List<VectorIndex.Hit> hits = ix.search(query, 10);
        assertThat(hits).hasSize(10);
        for (VectorIndex.Hit h : hits) {
          int row = Integer.parseInt(h.id());
          if (scores[row] >= tenth - 1e-6f) {
            found++;
          }
          // rescored: the exact cosine of the row
          assertThat(h.score()).isCloseTo(scores[row], org.assertj.core.data.Offset.offset(1e-5f));
          assertThat(h.text()).isEqualTo(texts.get(row));
          assertThat(h.fields()).containsEntry("n", h.id());
        }
      }
      assertThat(found / (10.0 * QUERIES)).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void rescoringSkipsOnlyCandidatesThatCannotReachTheTopTen() {
    StaticModel m = MODEL.shared();
    try (VectorIndex ix = VectorIndex.open(index)) {
      IvfSearcher s = IvfSearcher.open(index, null, ix.manifest());
      int[] embedded = new int[1];
      for (String query : queries) {
        float[] q = Vectors.normalized(m.encode(query));
        List<VectorIndex.Hit> pruned = s.search(q, 10, 8, 30, text -> {
          embedded[0]++;
          return m.encode(text);
        });
        // the reference: the same 30 best int8 candidates, every one rescored
        List<Float> exact = new ArrayList<>();
        for (VectorIndex.Hit h : s.search(q, 30, 8, 0, null)) {
          exact.add(IvfKernels.dot(q, Vectors.normalized(m.encode(h.text())), 0, q.length));
        }
        exact.sort((a, b) -> Float.compare(b, a));
        List<Float> got = new ArrayList<>();
        pruned.forEach(h -> got.add(h.score()));
        assertThat(got).isEqualTo(exact.subList(0, 10));
      }
      // fewer embeddings than candidates: the bound left some out
      assertThat(embedded[0]).isLessThan(30 * QUERIES);
    }
  }

  @Test
  void aQueryReadsOnlyItsProbedLists() throws Exception {
    Path copy = tmp.resolve("copy");
    copyTree(index, copy);
    IndexManifest manifest = VectorIndex.open(copy).manifest();
    StaticModel m = MODEL.shared();
    float[] q = Vectors.normalized(m.encode(queries.get(0)));
    float[] centroids = new float[manifest.ivf().lists() * m.dimension()];
    java.nio.ByteBuffer.wrap(Files.readAllBytes(copy.resolve(IvfLayout.CENTROIDS)))
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(centroids);
    int[] probed = IvfKernels.probe(q, centroids, manifest.ivf().lists(),
        manifest.ivf().nprobe());
    Set<Integer> keep = new HashSet<>();
    for (int l : probed) {
      keep.add(l);
    }
    int deleted = 0;
    for (IvfLayout.ListFile f : manifest.ivf().files()) {
      if (!keep.contains(f.list())) {
        Files.delete(copy.resolve(f.path()));
        deleted++;
      }
    }
    assertThat(deleted).isGreaterThan(manifest.ivf().files().size() / 2);
    try (VectorIndex ix = VectorIndex.open(copy)) {
      assertThat(ix.search(queries.get(0), 10)).hasSize(10);
      assertThatThrownBy(() -> ix.exactSearch(queries.get(0), 10))
          .isInstanceOf(IndexException.class).hasMessageContaining("missing (listed in the manifest)");
    }
  }

  @Test
  void aFetcherBringsOnlyTheProbedListsAndTheSameHits() throws Exception {
    // the index "elsewhere": only its manifest and centroids are local
    Path local = tmp.resolve("local");
    Files.createDirectories(local);
    Files.copy(index.resolve(IndexManifest.FILE), local.resolve(IndexManifest.FILE));
    Files.copy(index.resolve(IvfLayout.CENTROIDS), local.resolve(IvfLayout.CENTROIDS));
    List<String> fetched = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    VectorIndex.FileFetcher fetcher = (relative, target) -> {
      assertThat(target).doesNotExist();
      fetched.add(relative);
      Files.copy(index.resolve(relative), target);
    };
    try (VectorIndex remote = VectorIndex.open(local, fetcher);
        VectorIndex whole = VectorIndex.open(index)) {
      int lists = remote.manifest().ivf().lists();
      int files = remote.manifest().ivf().files().size();
      assertThat(remote.search(queries.get(0), 10)).usingRecursiveFieldByFieldElementComparator()
          .containsExactlyElementsOf(whole.search(queries.get(0), 10));
      Set<String> firstLists = new HashSet<>();
      for (String f : fetched) {
        firstLists.add(f.substring(0, f.indexOf('/')));
      }
      assertThat(firstLists).hasSizeLessThanOrEqualTo(remote.nprobe());
      assertThat(fetched.size()).isLessThan(files);
      int before = fetched.size();
      remote.search(queries.get(0), 10); // the same lists again: read from the local folder
      assertThat(fetched).hasSize(before);
      remote.exactSearch(queries.get(1), 10); // every list, each fetched once
      assertThat(new HashSet<>(fetched)).hasSize(fetched.size());
      assertThat(fetched).hasSize(files);
      assertThat(lists).isGreaterThan(remote.nprobe());
    }
    // a fetch that fails names the file and leaves no half file behind
    Path broken = tmp.resolve("broken");
    Files.createDirectories(broken);
    Files.copy(index.resolve(IndexManifest.FILE), broken.resolve(IndexManifest.FILE));
    Files.copy(index.resolve(IvfLayout.CENTROIDS), broken.resolve(IvfLayout.CENTROIDS));
    try (VectorIndex ix = VectorIndex.open(broken, (relative, target) -> {
      Files.write(target, new byte[] {1, 2, 3});
      throw new IOException("connection reset");
    })) {
      assertThatThrownBy(() -> ix.search(queries.get(0), 10))
          .hasMessageContaining("could not fetch list=").hasMessageContaining("connection reset");
    }
    try (var stream = Files.walk(broken)) {
      assertThat(stream.filter(p -> p.toString().endsWith(".parquet") || p.toString().endsWith(".part")))
          .isEmpty();
    }
  }

  @Test
  void theSignBitFirstStageKeepsTheHits() {
    String before = System.getProperty("model2vec.index.ivf.prefilter");
    try (VectorIndex ix = VectorIndex.open(index)) {
      int nprobe = ix.manifest().ivf().lists() / 2;
      List<List<String>> full = new java.util.ArrayList<>();
      System.setProperty("model2vec.index.ivf.prefilter", "0");
      for (String q : queries) {
        full.add(ids(ix.probe(ix.model().encode(q), 10, nprobe)));
      }
      // a first stage that keeps every probed row: the same hits
      System.setProperty("model2vec.index.ivf.prefilter", Integer.toString(ROWS));
      for (int i = 0; i < 20; i++) {
        assertThat(ids(ix.probe(ix.model().encode(queries.get(i)), 10, nprobe)))
            .containsExactlyElementsOf(full.get(i));
      }
      // keeping 300 of the ~3,000 probed rows: nearly the same hits
      System.setProperty("model2vec.index.ivf.prefilter", "300");
      int same = 0;
      for (int i = 0; i < queries.size(); i++) {
        List<String> got = ids(ix.probe(ix.model().encode(queries.get(i)), 10, nprobe));
        for (String id : got) {
          if (full.get(i).contains(id)) {
            same++;
          }
        }
      }
      assertThat(same / (10.0 * queries.size())).isGreaterThanOrEqualTo(0.95);
    } finally {
      if (before == null) {
        System.clearProperty("model2vec.index.ivf.prefilter");
      } else {
        System.setProperty("model2vec.index.ivf.prefilter", before);
      }
    }
  }

  private static List<String> ids(List<VectorIndex.Hit> hits) {
    List<String> ids = new java.util.ArrayList<>();
    for (VectorIndex.Hit h : hits) {
      ids.add(h.id());
    }
    return ids;
  }

  @Test
  void listFilesAreParquetWithTheRowsColumns() throws Exception {
    IndexManifest manifest = VectorIndex.open(index).manifest();
    IvfLayout.ListFile f = manifest.ivf().files().get(0);
    Path file = index.resolve(f.path());
    assertThat(file.getParent().getFileName().toString()).matches("list=\\d{5}");
    try (var ch = java.nio.channels.FileChannel.open(file)) {
      Parquet.Reader r = Parquet.Reader.open(file.toString(), IvfSearcher.source(ch));
      assertThat(r.rows()).isEqualTo(f.rows());
      byte[][] ids = r.binary("id");
      byte[][] codes = r.binary("code");
      for (int i = 0; i < ids.length; i++) {
        int row = Integer.parseInt(new String(ids[i], StandardCharsets.UTF_8));
        assertThat(new String(r.binary("text")[i], StandardCharsets.UTF_8))
            .isEqualTo(texts.get(row));
        assertThat(codes[i]).as("a byte per dimension of the built-in model").hasSize(384);
      }
    }
  }

  @Test
  void pagesLargerThanTheirChunksAreWrittenWhole() throws Exception {
    // values straddling the 64 kB chunks of a page, one value longer than three chunks
    Parquet.Column id = Parquet.Column.string("id", false);
    Parquet.Column text = Parquet.Column.string("t", true);
    Parquet.Column code = Parquet.Column.binary("c");
    Parquet.Column scale = Parquet.Column.floats("s");
    Parquet.Page[] pages = {new Parquet.Page(id), new Parquet.Page(text), new Parquet.Page(code),
        new Parquet.Page(scale)};
    int n = 5_000;
    List<String> texts = new ArrayList<>();
    Random rnd = new Random(9);
    for (int i = 0; i < n; i++) {
      String t = i == 1234 ? "x".repeat(200_000) : i % 7 == 0 ? null
          : "row " + i + " é ".repeat(rnd.nextInt(40));
      texts.add(t);
      pages[0].addString("r" + i);
      pages[1].addString(t);
      byte[] c = new byte[256];
      rnd.nextBytes(c);
      c[0] = (byte) i;
      pages[2].addBytes(c, 0, c.length);
      pages[3].addFloat(i * 0.5f);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Parquet.write(out, pages, n);
    Parquet.Reader r = Parquet.Reader.open("f", source(out.toByteArray()));
    assertThat(r.rows()).isEqualTo(n);
    byte[][] ids = r.binary("id");
    byte[][] back = r.binary("t");
    byte[][] codes = r.binary("c");
    float[] scales = r.floats("s");
    for (int i = 0; i < n; i++) {
      assertThat(new String(ids[i], StandardCharsets.UTF_8)).isEqualTo("r" + i);
      assertThat(back[i] == null ? null : new String(back[i], StandardCharsets.UTF_8))
          .as("row %d", i).isEqualTo(texts.get(i));
      assertThat(codes[i]).hasSize(256);
      assertThat(codes[i][0]).isEqualTo((byte) i);
      assertThat(scales[i]).isEqualTo(i * 0.5f);
    }
    assertThatThrownBy(() -> Parquet.write(new ByteArrayOutputStream(), pages, n + 1))
        .hasMessageContaining("column id holds 5000 rows, the row group 5001");
  }

  @Test
  void nullsAndManyPagesOfHostileSizesAreReadOrRefused() throws Exception {
    List<Parquet.Column> cols = List.of(Parquet.Column.string("id", false),
        Parquet.Column.string("t", true), Parquet.Column.floats("s"));
    int n = 21;
    byte[][] ids = new byte[n][];
    byte[][] t = new byte[n][];
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      ids[i] = ("r" + i).getBytes(StandardCharsets.UTF_8);
      t[i] = i % 3 == 0 ? null : ("text " + i).getBytes(StandardCharsets.UTF_8);
      s[i] = i / 2f;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Parquet.write(out, cols, new Object[] {ids, t, s}, n);
    byte[] file = out.toByteArray();
    Parquet.Reader r = Parquet.Reader.open("f", source(file));
    assertThat(r.rows()).isEqualTo(n);
    byte[][] back = r.binary("t");
    for (int i = 0; i < n; i++) {
      assertThat(back[i]).isEqualTo(t[i]);
    }
    assertThat(r.floats("s")).containsExactly(s);

    // a footer length past the file, a truncated file, flipped bytes: one line, no huge arrays
    byte[] longFooter = file.clone();
    longFooter[file.length - 5] = 0x7f;
    assertThatThrownBy(() -> Parquet.Reader.open("f", source(longFooter)))
        .isInstanceOf(IOException.class).hasMessageContaining("footer of");
    byte[] cut = Arrays.copyOfRange(file, 0, file.length - 20);
    assertThatThrownBy(() -> Parquet.Reader.open("f", source(cut)))
        .isInstanceOf(IOException.class).hasMessageStartingWith("f: ");
    java.util.Random random = new java.util.Random(7);
    for (int trial = 0; trial < 300; trial++) {
      byte[] bad = file.clone();
      for (int j = 0; j < 3; j++) {
        bad[4 + random.nextInt(bad.length - 12)] = (byte) random.nextInt(256);
      }
      try {
        Parquet.Reader x = Parquet.Reader.open("f", source(bad));
        x.binary("id");
        x.binary("t");
        x.floats("s");
      } catch (IOException expected) {
        assertThat(expected.getMessage()).startsWith("f: ");
      }
    }
  }

  @Test
  void aFormat3ManifestIsRefusedInOneLine() throws Exception {
    Path copy = tmp.resolve("f3");
    copyTree(index, copy);
    Path mf = copy.resolve(IndexManifest.FILE);
    Files.writeString(mf, Files.readString(mf).replaceFirst("\"format\" : 2", "\"format\" : 3"));
    assertThatThrownBy(() -> VectorIndex.open(copy)).isInstanceOf(IndexException.class)
        .hasMessageContaining("manifest.json: format 3 is not supported (this version reads "
            + "formats 1 and 2)");
  }

  @Test
  void aChangedCentroidsFileIsRefused() throws Exception {
    Path copy = tmp.resolve("crc");
    copyTree(index, copy);
    byte[] c = Files.readAllBytes(copy.resolve(IvfLayout.CENTROIDS));
    c[100] ^= 1;
    Files.write(copy.resolve(IvfLayout.CENTROIDS), c);
    assertThatThrownBy(() -> VectorIndex.open(copy)).isInstanceOf(IndexException.class)
        .hasMessageContaining("centroids.f32: corrupt");
  }

  static Parquet.Source source(byte[] file) {
    return new Parquet.Source() {
      @Override
      public long length() {
        return file.length;
      }

      @Override
      public void readFully(long position, byte[] buffer, int offset, int length)
          throws IOException {
        if (position < 0 || position + length > file.length) {
          throw new IOException("read past the end");
        }
        System.arraycopy(file, (int) position, buffer, offset, length);
      }
    };
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
