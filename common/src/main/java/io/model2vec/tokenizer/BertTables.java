package io.model2vec.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The per-character tables of the HuggingFace BertNormalizer and BertPreTokenizer, as the native
 * library applies them (resource {@code bert-normalizer.txt}, generated from that library by
 * {@code BertTablesGenerator}; {@code BertExhaustiveParityTest} checks every code point).
 */
final class BertTables {
  private static final String RESOURCE = "bert-normalizer.txt";
  private static volatile BertTables instance;

  private final Ranges removed;
  private final Ranges space;
  private final Ranges punct;
  private final Ranges marks;
  private final Ranges nonStarters;
  private final int[] nfdKeys;
  private final int[][] nfdValues;
  private final int[] lowerKeys;
  private final int[][] lowerValues;

  private BertTables(InputStream in) throws IOException {
    Ranges rm = null;
    Ranges sp = null;
    Ranges pu = null;
    Ranges mk = null;
    Ranges ns = null;
    List<int[]> nfd = new ArrayList<>();
    List<int[]> low = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int sp1 = line.indexOf(' ');
        String key = sp1 < 0 ? line : line.substring(0, sp1);
        String rest = sp1 < 0 ? "" : line.substring(sp1 + 1);
        switch (key) {
          case "removed":
            rm = Ranges.parse(rest);
            break;
          case "space":
            sp = Ranges.parse(rest);
            break;
          case "punct":
            pu = Ranges.parse(rest);
            break;
          case "mark":
            mk = Ranges.parse(rest);
            break;
          case "nonstarter":
            ns = Ranges.parse(rest);
            break;
          case "nfd":
            nfd.add(mapping(rest));
            break;
          case "lower":
            low.add(mapping(rest));
            break;
          default:
            throw new IOException(RESOURCE + " has an unknown line: " + line);
        }
      }
    }
    if (rm == null || sp == null || pu == null || mk == null || ns == null) {
      throw new IOException(RESOURCE + " lacks a table");
    }
    this.removed = rm;
    this.space = sp;
    this.punct = pu;
    this.marks = mk;
    this.nonStarters = ns;
    nfd.sort((a, b) -> Integer.compare(a[0], b[0]));
    low.sort((a, b) -> Integer.compare(a[0], b[0]));
    this.nfdKeys = nfd.stream().mapToInt(a -> a[0]).toArray();
    this.nfdValues = nfd.stream().map(a -> Arrays.copyOfRange(a, 1, a.length)).toArray(int[][]::new);
    this.lowerKeys = low.stream().mapToInt(a -> a[0]).toArray();
    this.lowerValues = low.stream().map(a -> Arrays.copyOfRange(a, 1, a.length))
        .toArray(int[][]::new);
  }

  /** "cp seq": the code point, then its output ("-" for none). */
  private static int[] mapping(String s) {
    String[] p = s.split(" ");
    if (p[1].equals("-")) {
      return new int[] {Integer.parseInt(p[0], 16)};
    }
    String[] seq = p[1].split(",");
    int[] out = new int[seq.length + 1];
    out[0] = Integer.parseInt(p[0], 16);
    for (int i = 0; i < seq.length; i++) {
      out[i + 1] = Integer.parseInt(seq[i], 16);
    }
    return out;
  }

  static boolean available() {
    return BertTables.class.getResource(RESOURCE) != null;
  }

  static BertTables get() {
    BertTables t = instance;
    if (t == null) {
      synchronized (BertTables.class) {
        t = instance;
        if (t == null) {
          try (InputStream in = BertTables.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
              throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            t = new BertTables(in);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          instance = t;
        }
      }
    }
    return t;
  }

  /** Dropped by clean_text (control, format, private-use and some unassigned characters). */
  boolean removed(int cp) {
    return cp == 0 || cp == 0xFFFD || removed.contains(cp);
  }

  /** Whitespace: split on by the pre-tokenizer, turned into ' ' by clean_text. */
  boolean space(int cp) {
    return space.contains(cp);
  }

  /** Isolated by the pre-tokenizer. */
  boolean punct(int cp) {
    return punct.contains(cp);
  }

  /** Keeps a non-zero combining class after accent stripping: NFD might reorder it. */
  boolean nonStarter(int cp) {
    return nonStarters.contains(cp);
  }

  /** Whether strip_accents changes {@code cp}. */
  boolean changedByStrip(int cp) {
    return marks.contains(cp) || (cp >= HANGUL_BASE && cp < HANGUL_BASE + HANGUL_COUNT)
        || Arrays.binarySearch(nfdKeys, cp) >= 0;
  }

  /** Whether lowercase changes {@code cp}. */
  boolean changedByLower(int cp) {
    return Arrays.binarySearch(lowerKeys, cp) >= 0;
  }

  /** NFD of {@code cp} without non-spacing marks (strip_accents). */
  int[] nfd(int cp) {
    if (marks.contains(cp)) {
      return new int[0];
    }
    int[] h = hangul(cp);
    if (h != null) {
      return h;
    }
    int i = Arrays.binarySearch(nfdKeys, cp);
    return i >= 0 ? nfdValues[i] : new int[] {cp}; // callers only read the arrays
  }

  private static final int HANGUL_BASE = 0xAC00;
  private static final int HANGUL_COUNT = 11172;

  /** The canonical decomposition of a Hangul syllable (Unicode 3.12), or null for any other. */
  static int[] hangul(int cp) {
    int s = cp - HANGUL_BASE;
    if (s < 0 || s >= HANGUL_COUNT) {
      return null;
    }
    int l = 0x1100 + s / 588;
    int v = 0x1161 + (s % 588) / 28;
    int t = s % 28;
    return t == 0 ? new int[] {l, v} : new int[] {l, v, 0x11A7 + t};
  }

  /** Lowercase of {@code cp} (possibly several code points). */
  int[] lower(int cp) {
    int i = Arrays.binarySearch(lowerKeys, cp);
    return i >= 0 ? lowerValues[i] : new int[] {cp};
  }

  /** Sorted, disjoint inclusive ranges. */
  private static final class Ranges {
    private final int[] starts;
    private final int[] ends;

    private Ranges(int[] starts, int[] ends) {
      this.starts = starts;
      this.ends = ends;
    }

    static Ranges parse(String s) {
      String[] parts = s.trim().isEmpty() ? new String[0] : s.trim().split(" ");
      int[] st = new int[parts.length];
      int[] en = new int[parts.length];
      for (int i = 0; i < parts.length; i++) {
        int dash = parts[i].indexOf('-');
        if (dash < 0) {
          st[i] = en[i] = Integer.parseInt(parts[i], 16);
        } else {
          st[i] = Integer.parseInt(parts[i].substring(0, dash), 16);
          en[i] = Integer.parseInt(parts[i].substring(dash + 1), 16);
        }
        if (en[i] < st[i] || (i > 0 && st[i] <= en[i - 1])) {
          throw new IllegalStateException("unsorted range " + parts[i] + " in " + RESOURCE);
        }
      }
      return new Ranges(st, en);
    }

    boolean contains(int cp) {
      int i = Arrays.binarySearch(starts, cp);
      if (i >= 0) {
        return true;
      }
      i = -i - 2; // the range starting before cp
      return i >= 0 && cp <= ends[i];
    }
  }
}
