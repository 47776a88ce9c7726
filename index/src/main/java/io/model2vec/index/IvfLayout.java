package io.model2vec.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The inverted-file part of a format 2 manifest: how many lists, the default number probed,
 * the centroids file, the generation (1 for a build, +1 per append) and the Parquet files of each
 * list with their rows. Readers read exactly these files: a file not listed (an append in
 * progress, or one that failed) does not exist for them.
 */
public final class IvfLayout {
  /** The centroids file: {@code lists x dimensions} little-endian floats. */
  public static final String CENTROIDS = "centroids.f32";
  private static final Pattern PATH =
      Pattern.compile("list=(\\d{5,7})/[A-Za-z0-9_][A-Za-z0-9._=-]*\\.parquet");

  private final int lists;
  private final int nprobe;
  private final long centroidsCrc;
  private final int generation;
  private final long trainedRows;
  private final List<ListFile> files;

  public IvfLayout(int lists, int nprobe, long centroidsCrc, int generation, long trainedRows,
      List<ListFile> files) {
    if (lists < 1 || nprobe < 1 || generation < 1) {
      throw new IllegalArgumentException("lists, nprobe and generation must be >= 1, were "
          + lists + ", " + nprobe + ", " + generation);
    }
    this.lists = lists;
    this.nprobe = nprobe;
    this.centroidsCrc = centroidsCrc;
    this.generation = generation;
    this.trainedRows = trainedRows;
    List<ListFile> copy = new ArrayList<>(files);
    for (ListFile f : copy) {
      if (f.list >= lists) {
        throw new IllegalArgumentException("file " + f.path + " is in list " + f.list
            + ", the index has " + lists);
      }
    }
    this.files = Collections.unmodifiableList(copy);
  }

  /** The folder of list {@code n}: {@code list=00042}. */
  public static String listFolder(int n) {
    return String.format(Locale.ROOT, "list=%05d", n);
  }

  /**
   * The default number of lists for {@code rows} rows: about sqrt(rows) (1,000 for a million),
   * so a list holds about as many rows as there are lists; at least 1, at most 65,536.
   */
  public static int defaultLists(long rows) {
    return (int) Math.max(1, Math.min(65_536, Math.round(Math.sqrt(Math.max(rows, 1)))));
  }

  /**
   * The default lists probed by a query, measured (docs/index.md): recall@10 >= 0.95 needs 24 of
   * 77 lists on 6,000 fortunes, and 20% to 25% of the lists on the 1M-row bench (queries mixing
   * two passages, whose ten nearest rows lie in many lists), with 1,000 lists as with 2,000: the
   * share of the rows scanned is what recall follows. A quarter of the lists, at least 24.
   */
  public static int defaultNprobe(int lists) {
    return Math.min(lists, Math.max(24, (int) Math.ceil(lists * 0.25)));
  }

  public int lists() {
    return lists;
  }

  public int nprobe() {
    return nprobe;
  }

  public long centroidsCrc() {
    return centroidsCrc;
  }

  public int generation() {
    return generation;
  }

  /** Rows the index held when its centroids were trained (appends do not change it). */
  public long trainedRows() {
    return trainedRows;
  }

  public List<ListFile> files() {
    return files;
  }

  public long rows() {
    long n = 0;
    for (ListFile f : files) {
      n += f.rows;
    }
    return n;
  }

  /** This layout with {@code more} files and the next generation (an append). */
  public IvfLayout append(List<ListFile> more) {
    List<ListFile> all = new ArrayList<>(files);
    all.addAll(more);
    return new IvfLayout(lists, nprobe, centroidsCrc, generation + 1, trainedRows, all);
  }

  public IvfLayout withNprobe(int n) {
    return new IvfLayout(lists, n, centroidsCrc, generation, trainedRows, files);
  }

  void toJson(ObjectNode o) {
    o.put("lists", lists);
    o.put("nprobe", nprobe);
    o.put("centroids", CENTROIDS);
    o.put("centroidsCrc32", centroidsCrc);
    o.put("generation", generation);
    o.put("trainedRows", trainedRows);
    var a = o.putArray("files");
    for (ListFile f : files) {
      a.addObject().put("list", f.list).put("path", f.path).put("rows", f.rows);
    }
  }

  static IvfLayout fromJson(JsonNode o, String where) {
    if (o == null || !o.isObject()) {
      throw new IndexException(where + ": key 'ivf' is missing (format 2)");
    }
    int lists = o.path("lists").asInt(-1);
    int nprobe = o.path("nprobe").asInt(-1);
    int generation = o.path("generation").asInt(-1);
    if (lists < 1 || lists > 1 << 20 || nprobe < 1 || generation < 1
        || !CENTROIDS.equals(o.path("centroids").asText())) {
      throw new IndexException(where + ": key 'ivf' needs lists in [1, 1048576], nprobe >= 1, "
          + "generation >= 1 and centroids '" + CENTROIDS + "', had " + o.path("lists") + ", "
          + o.path("nprobe") + ", " + o.path("generation") + ", " + o.path("centroids"));
    }
    JsonNode fs = o.path("files");
    if (!fs.isArray()) {
      throw new IndexException(where + ": key 'ivf.files' must be an array");
    }
    List<ListFile> files = new ArrayList<>();
    for (JsonNode f : fs) {
      String path = f.path("path").asText("");
      int list = f.path("list").asInt(-1);
      long rows = f.path("rows").asLong(-1);
      Matcher m = PATH.matcher(path);
      if (!m.matches() || Integer.parseInt(m.group(1)) != list || list >= lists || rows < 0) {
        throw new IndexException(where + ": key 'ivf.files' has a bad entry " + f + " (needs "
            + "list=NNNNN/NAME.parquet of its list < " + lists + " and rows >= 0)");
      }
      files.add(new ListFile(list, path, rows));
    }
    return new IvfLayout(lists, nprobe, o.path("centroidsCrc32").asLong(-1), generation,
        o.path("trainedRows").asLong(0), files);
  }

  /** One Parquet file of one list. */
  public static final class ListFile {
    final int list;
    final String path;
    final long rows;

    public ListFile(int list, String path, long rows) {
      this.list = list;
      this.path = path;
      this.rows = rows;
    }

    public int list() {
      return list;
    }

    /** The path inside the index folder: {@code list=00042/part-...parquet}. */
    public String path() {
      return path;
    }

    public long rows() {
      return rows;
    }
  }
}
