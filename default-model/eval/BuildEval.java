import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Turns the packages that build-eval.sh unpacked into the task files of {@code model2vec
 * evaluate} (see docs/evaluation.md): one JSON object a line, the task's kind the first word of
 * the file name (retrieval-, classification-, similarity-, clustering-), and texts.txt, every text
 * any task scores, one a line (the training corpus is checked against it). Deterministic: the same
 * packages give the same files byte for byte (fixed seeds, sources read in file order). Run with
 * the JDK's source launcher: {@code java BuildEval.java SRC_DIR OUT_DIR}.
 */
public final class BuildEval {
  /** Sizes and seeds of the tasks; docs/evaluation.md quotes them. */
  static final int DEFINITIONS = 2000;
  static final int VERSES = 2000;
  static final int PER_LEXNAME = 70;
  static final int PAIRS = 1500;
  static final int PER_FORTUNE_FILE = 100;
  static final long SEED = 28;

  /** WordNet's lexicographer files, by number (lexnames(5WN)). */
  static final String[] LEXNAMES = {"adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act",
      "noun.animal", "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
      "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
      "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon",
      "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
      "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body", "verb.change",
      "verb.cognition", "verb.communication", "verb.competition", "verb.consumption",
      "verb.contact", "verb.creation", "verb.emotion", "verb.motion", "verb.perception",
      "verb.possession", "verb.social", "verb.stative", "verb.weather", "adj.ppl"};

  /**
   * Fortune files whose name is a topic. Left out: the grab bags (cookie, miscellaneous, people,
   * humorists, platitudes, wisdom, zippy, knghtbrd, linuxcookie, disclaimer, definitions, ...),
   * whose file says who or what kind of joke rather than what about, and files with fewer than
   * 100 fortunes. The package has no offensive files (they are in fortunes-off).
   */
  static final List<String> FORTUNE_FILES = List.of("art", "computers", "drugs", "education",
      "food", "kids", "law", "linux", "love", "men-women", "politics", "science", "songs-poems",
      "sports", "startrek", "work");

  /** OSIS names of the 66 books of the KJV, in its order. */
  static final List<String> BOOKS = List.of("Gen", "Exod", "Lev", "Num", "Deut", "Josh", "Judg",
      "Ruth", "1Sam", "2Sam", "1Kgs", "2Kgs", "1Chr", "2Chr", "Ezra", "Neh", "Esth", "Job", "Ps",
      "Prov", "Eccl", "Song", "Isa", "Jer", "Lam", "Ezek", "Dan", "Hos", "Joel", "Amos", "Obad",
      "Jonah", "Mic", "Nah", "Hab", "Zeph", "Hag", "Zech", "Mal", "Matt", "Mark", "Luke", "John",
      "Acts", "Rom", "1Cor", "2Cor", "Gal", "Eph", "Phil", "Col", "1Thess", "2Thess", "1Tim",
      "2Tim", "Titus", "Phlm", "Heb", "Jas", "1Pet", "2Pet", "1John", "2John", "3John", "Jude",
      "Rev");

  static final Pattern SPACE = Pattern.compile("\\s+");

  final Set<String> texts = new LinkedHashSet<>();

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: java BuildEval.java SRC_DIR OUT_DIR");
      System.exit(2);
    }
    Path src = Paths.get(args[0]);
    Path out = Paths.get(args[1]);
    Files.createDirectories(out);
    BuildEval b = new BuildEval();
    WordNet wn = WordNet.read(src.resolve("deb/wordnet-base/usr/share/wordnet"));
    b.definitions(wn, out.resolve("retrieval-definitions.jsonl"));
    b.bible(src.resolve("deb/sword-text-web/usr/share/sword/modules/texts/ztext/engWEB2015eb"),
        src.resolve("kjv.txt"), out.resolve("retrieval-bible.jsonl"));
    b.lexnames(wn, out.resolve("classification-lexnames.jsonl"));
    b.similarity(wn, out.resolve("similarity-wordnet.jsonl"));
    b.fortunes(src.resolve("deb/fortunes/usr/share/games/fortunes"),
        out.resolve("clustering-fortunes.jsonl"));
    try (BufferedWriter w = Files.newBufferedWriter(out.resolve("texts.txt"))) {
      for (String t : b.texts) {
        w.write(t);
        w.write('\n');
      }
    }
    System.err.printf("BuildEval: %d distinct texts -> %s%n", b.texts.size(),
        out.resolve("texts.txt"));
  }

  // ---------------------------------------------------------------- tasks

  /**
   * Word(s) to definition: the query is a synset's lemma list, the document its definition. Only
   * synsets whose lemma list and whose definition occur once in WordNet (one right answer).
   */
  void definitions(WordNet wn, Path file) throws IOException {
    Map<String, Integer> lemmaCount = new HashMap<>();
    Map<String, Integer> defCount = new HashMap<>();
    for (Synset s : wn.synsets.values()) {
      lemmaCount.merge(s.lemmas().toLowerCase(Locale.ROOT), 1, Integer::sum);
      defCount.merge(s.definition.toLowerCase(Locale.ROOT), 1, Integer::sum);
    }
    List<Synset> ok = new ArrayList<>();
    for (Synset s : wn.synsets.values()) {
      if (lemmaCount.get(s.lemmas().toLowerCase(Locale.ROOT)) == 1
          && defCount.get(s.definition.toLowerCase(Locale.ROOT)) == 1
          && words(s.definition) >= 3) {
        ok.add(s);
      }
    }
    Collections.shuffle(ok, new Random(SEED));
    List<String> lines = new ArrayList<>();
    for (Synset s : ok.subList(0, Math.min(DEFINITIONS, ok.size()))) {
      lines.add("{\"id\":" + json(s.id) + ",\"query\":" + json(s.lemmas()) + ",\"document\":"
          + json(s.definition) + "}");
      texts.add(s.lemmas());
      texts.add(s.definition);
    }
    write(file, lines);
  }

  /**
   * Paraphrase: a World English Bible verse must find the King James text of the same verse.
   * Verses whose text (in either) is empty or occurs more than once are left out.
   */
  void bible(Path sword, Path kjv, Path file) throws IOException {
    Map<String, String> web = new LinkedHashMap<>();
    readZText(sword, "ot", web);
    readZText(sword, "nt", web);
    Map<String, String> king = new LinkedHashMap<>();
    Pattern line = Pattern.compile("^(\\d?[A-Za-z]+)(\\d+):(\\d+) (.*)$");
    List<String> abbrevs = new ArrayList<>();
    for (String l : Files.readAllLines(kjv, StandardCharsets.UTF_8)) {
      Matcher m = line.matcher(l);
      if (!m.matches()) {
        continue;
      }
      if (abbrevs.isEmpty() || !abbrevs.get(abbrevs.size() - 1).equals(m.group(1))) {
        abbrevs.add(m.group(1));
      }
      if (abbrevs.size() > BOOKS.size()) {
        throw new IOException(kjv + ": more than " + BOOKS.size() + " books at " + l);
      }
      king.put(BOOKS.get(abbrevs.size() - 1) + "." + m.group(2) + "." + m.group(3),
          clean(m.group(4)));
    }
    if (abbrevs.size() != BOOKS.size()) {
      throw new IOException(kjv + ": " + abbrevs.size() + " books, expected " + BOOKS.size());
    }
    Map<String, Integer> count = new HashMap<>();
    for (String t : web.values()) {
      count.merge(t.toLowerCase(Locale.ROOT), 1, Integer::sum);
    }
    for (String t : king.values()) {
      count.merge(t.toLowerCase(Locale.ROOT), 1, Integer::sum);
    }
    List<String> ids = new ArrayList<>();
    for (Map.Entry<String, String> e : king.entrySet()) {
      String w = web.get(e.getKey());
      if (w != null && !w.isEmpty() && !e.getValue().isEmpty()
          && count.get(w.toLowerCase(Locale.ROOT)) == 1
          && count.get(e.getValue().toLowerCase(Locale.ROOT)) == 1) {
        ids.add(e.getKey());
      }
    }
    System.err.printf("BuildEval: %d WEB verses, %d KJV verses, %d usable pairs%n", web.size(),
        king.size(), ids.size());
    // 30,317 with the pinned packages: far fewer means the zText reader lost the verse numbering.
    if (ids.size() < 30_000) {
      throw new IOException(sword + ": only " + ids.size() + " WEB verses match a KJV verse");
    }
    // Most verse pairs share half their words or more: any encoder finds those. The pairs that
    // share the fewest words (Jaccard of the lower-cased word sets; ties in canonical order) are
    // the ones where the meaning has to carry the match.
    Map<String, Double> overlap = new HashMap<>();
    for (String id : ids) {
      overlap.put(id, jaccard(web.get(id), king.get(id)));
    }
    List<String> sorted = new ArrayList<>(ids);
    sorted.sort((a, b) -> Double.compare(overlap.get(a), overlap.get(b)));
    List<String> picked = new ArrayList<>(sorted.subList(0, Math.min(VERSES, sorted.size())));
    System.err.printf(Locale.ROOT, "BuildEval: verse pairs sharing at most %.3f of their words%n",
        overlap.get(picked.get(picked.size() - 1)));
    Collections.shuffle(picked, new Random(SEED));
    List<String> lines = new ArrayList<>();
    for (String id : picked) {
      lines.add("{\"id\":" + json(id) + ",\"query\":" + json(web.get(id)) + ",\"document\":"
          + json(king.get(id)) + "}");
      texts.add(web.get(id));
      texts.add(king.get(id));
    }
    write(file, lines);
  }

  /** The gloss (definition and examples) labelled by the synset's lexicographer file. */
  void lexnames(WordNet wn, Path file) throws IOException {
    Map<Integer, List<Synset>> byFile = new TreeMap<>();
    for (Synset s : wn.synsets.values()) {
      byFile.computeIfAbsent(s.lexFile, k -> new ArrayList<>()).add(s);
    }
    Random rnd = new Random(SEED);
    List<String> lines = new ArrayList<>();
    for (Map.Entry<Integer, List<Synset>> e : byFile.entrySet()) {
      List<Synset> all = e.getValue();
      Collections.shuffle(all, rnd);
      for (Synset s : all.subList(0, Math.min(PER_LEXNAME, all.size()))) {
        lines.add("{\"id\":" + json(s.id) + ",\"label\":" + json(LEXNAMES[s.lexFile])
            + ",\"text\":" + json(s.gloss) + "}");
        texts.add(s.gloss);
      }
    }
    // Interleave the classes (the order of the file does not change the scores, but it reads
    // better and keeps any prefix of the file stratified-ish).
    Collections.shuffle(lines, new Random(SEED));
    write(file, lines);
  }

  /**
   * Pairs of noun glosses graded by the Wu-Palmer similarity of their synsets over the hypernym
   * graph (instance hypernyms included): a quarter a definition and an example of the same synset
   * (grade 1), a quarter a synset and one reached by going 1-2 steps up and 1-2 down, a quarter
   * 3-4 up and down, a quarter a random noun.
   */
  void similarity(WordNet wn, Path file) throws IOException {
    List<Synset> nouns = new ArrayList<>();
    for (Synset s : wn.synsets.values()) {
      if (s.pos == 'n') {
        nouns.add(s);
      }
    }
    Random rnd = new Random(SEED);
    Set<String> seen = new HashSet<>();
    List<String> lines = new ArrayList<>();
    int tries = 0;
    while (lines.size() < PAIRS) {
      if (++tries > 100 * PAIRS) {
        throw new IllegalStateException("cannot draw " + PAIRS + " pairs");
      }
      Synset a = nouns.get(rnd.nextInt(nouns.size()));
      int mode = lines.size() % 4;
      String ta = a.definition;
      String tb;
      double grade;
      String idb;
      if (mode == 0) {
        if (a.examples.isEmpty()) {
          continue;
        }
        tb = a.examples.get(rnd.nextInt(a.examples.size()));
        grade = 1.0;
        idb = a.id + "#example";
      } else {
        Synset b;
        if (mode == 3) {
          b = nouns.get(rnd.nextInt(nouns.size()));
        } else {
          int steps = mode == 1 ? 1 + rnd.nextInt(2) : 3 + rnd.nextInt(2);
          b = a;
          for (int i = 0; i < steps && !b.hypernyms.isEmpty(); i++) {
            b = wn.synsets.get(b.hypernyms.get(rnd.nextInt(b.hypernyms.size())));
          }
          int down = mode == 1 ? 1 + rnd.nextInt(2) : 3 + rnd.nextInt(2);
          for (int i = 0; i < down; i++) {
            List<String> hypo = wn.hyponyms.getOrDefault(b.id, List.of());
            if (hypo.isEmpty()) {
              break;
            }
            b = wn.synsets.get(hypo.get(rnd.nextInt(hypo.size())));
          }
        }
        if (b == a || b.definition.equalsIgnoreCase(a.definition)) {
          continue;
        }
        tb = b.definition;
        grade = wn.wuPalmer(a, b);
        idb = b.id;
      }
      if (ta.equalsIgnoreCase(tb) || !seen.add(a.id + " " + idb)) {
        continue;
      }
      lines.add("{\"id\":" + json(a.id + " " + idb) + ",\"a\":" + json(ta) + ",\"b\":"
          + json(tb) + ",\"score\":" + String.format(Locale.ROOT, "%.4f", grade) + "}");
      texts.add(ta);
      texts.add(tb);
    }
    write(file, lines);
  }

  /** Fortunes of the topical files, labelled by file; 4 to 100 words, each text once. */
  void fortunes(Path dir, Path file) throws IOException {
    Random rnd = new Random(SEED);
    Set<String> seen = new HashSet<>();
    List<String> lines = new ArrayList<>();
    for (String name : FORTUNE_FILES) {
      String all = Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
      List<String> ok = new ArrayList<>();
      for (String f : all.split("\n%\n")) {
        String t = clean(f.replace("%", ""));
        int n = words(t);
        if (n >= 4 && n <= 100 && seen.add(t.toLowerCase(Locale.ROOT))) {
          ok.add(t);
        }
      }
      if (ok.size() < PER_FORTUNE_FILE) {
        throw new IOException(dir.resolve(name) + ": only " + ok.size() + " usable fortunes");
      }
      Collections.shuffle(ok, rnd);
      for (String t : ok.subList(0, PER_FORTUNE_FILE)) {
        lines.add("{\"label\":" + json(name) + ",\"text\":" + json(t) + "}");
        texts.add(t);
      }
    }
    Collections.shuffle(lines, new Random(SEED));
    write(file, lines);
  }

  // ---------------------------------------------------------------- SWORD zText

  static final Pattern CHAPTER = Pattern.compile("<chapter\\b[^>]*\\bosisID=\"([^\".]+)\\.(\\d+)\"");
  static final Pattern NOTE = Pattern.compile("<note\\b.*?</note>", Pattern.DOTALL);
  static final Pattern TITLE = Pattern.compile("<title\\b.*?</title>", Pattern.DOTALL);
  static final Pattern TAG = Pattern.compile("<[^>]*>");

  /**
   * A SWORD zText testament ({@code ot} or {@code nt}): .bzs lists the zlib blocks of .bzz
   * (offset, compressed size, size: three little-endian uint32), .bzv has one entry per index
   * position (block, offset in the inflated block: uint32; size: uint16). Positions are the
   * module header, then per book a heading and per chapter a heading and its verses; the chapter
   * heading holds the OSIS {@code <chapter osisID="Gen.1">} milestone, so the verses after it are
   * numbered 1, 2, ... (the same numbering as the KJV for the verses the two share). OSIS markup
   * is stripped: notes and titles with their content, other tags alone.
   */
  static void readZText(Path dir, String testament, Map<String, String> out) throws IOException {
    ByteBuffer bzs = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(testament + ".bzs")))
        .order(ByteOrder.LITTLE_ENDIAN);
    byte[] bzz = Files.readAllBytes(dir.resolve(testament + ".bzz"));
    ByteBuffer bzv = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(testament + ".bzv")))
        .order(ByteOrder.LITTLE_ENDIAN);
    Map<Integer, byte[]> blocks = new HashMap<>();
    String chapter = null;
    int verse = 0;
    while (bzv.remaining() >= 10) {
      int block = bzv.getInt();
      int offset = bzv.getInt();
      int size = Short.toUnsignedInt(bzv.getShort());
      String raw = "";
      if (size > 0) {
        byte[] b = blocks.computeIfAbsent(block, k -> inflate(bzs, bzz, k));
        raw = new String(b, offset, size, StandardCharsets.UTF_8);
      }
      Matcher m = CHAPTER.matcher(raw);
      if (m.find()) {
        chapter = m.group(1) + "." + m.group(2);
        verse = 0;
        continue;
      }
      if (chapter == null) {
        continue;
      }
      verse++;
      out.put(chapter + "." + verse, osisText(raw));
    }
  }

  static String osisText(String raw) {
    String t = NOTE.matcher(raw).replaceAll(" ");
    t = TITLE.matcher(t).replaceAll(" ");
    t = TAG.matcher(t).replaceAll("");
    t = t.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
        .replace("&apos;", "'").replace("&amp;", "&");
    return clean(t);
  }

  static byte[] inflate(ByteBuffer bzs, byte[] bzz, int block) {
    int at = block * 12;
    int offset = bzs.getInt(at);
    int size = bzs.getInt(at + 4);
    int full = bzs.getInt(at + 8);
    Inflater inf = new Inflater();
    try {
      inf.setInput(bzz, offset, size);
      byte[] out = new byte[full];
      int n = 0;
      while (n < full && !inf.finished()) {
        n += inf.inflate(out, n, full - n);
      }
      return out;
    } catch (DataFormatException e) {
      throw new IllegalStateException("zText block " + block + ": " + e.getMessage(), e);
    } finally {
      inf.end();
    }
  }

  // ---------------------------------------------------------------- WordNet

  static final class Synset {
    final String id;
    final char pos;
    final int lexFile;
    final List<String> words;
    final List<String> hypernyms;
    final String gloss;
    final String definition;
    final List<String> examples;

    Synset(String id, char pos, int lexFile, List<String> words, List<String> hypernyms,
        String gloss, String definition, List<String> examples) {
      this.id = id;
      this.pos = pos;
      this.lexFile = lexFile;
      this.words = words;
      this.hypernyms = hypernyms;
      this.gloss = gloss;
      this.definition = definition;
      this.examples = examples;
    }

    String lemmas() {
      return String.join(", ", words);
    }
  }

  static final class WordNet {
    final Map<String, Synset> synsets = new LinkedHashMap<>();
    final Map<String, List<String>> hyponyms = new HashMap<>();
    private final Map<String, Integer> depth = new HashMap<>();

    static final Pattern EXAMPLE = Pattern.compile("\"([^\"]*)\"");

    /** data.noun, data.verb, data.adj, data.adv (wndb(5WN)), in that order. */
    static WordNet read(Path dir) throws IOException {
      WordNet wn = new WordNet();
      for (String pos : List.of("noun", "verb", "adj", "adv")) {
        for (String line : Files.readAllLines(dir.resolve("data." + pos),
            StandardCharsets.UTF_8)) {
          if (line.startsWith(" ")) {
            continue; // the licence header
          }
          int bar = line.indexOf(" | ");
          String[] f = line.substring(0, bar).split(" ");
          char type = f[2].charAt(0) == 's' ? 'a' : f[2].charAt(0);
          String id = type + f[0];
          int lexFile = Integer.parseInt(f[1]);
          int wcnt = Integer.parseInt(f[3], 16);
          LinkedHashMap<String, String> words = new LinkedHashMap<>();
          for (int i = 0; i < wcnt; i++) {
            String w = f[4 + 2 * i].replace('_', ' ').replaceAll("\\((a|p|ip)\\)$", "");
            words.putIfAbsent(w.toLowerCase(Locale.ROOT), w);
          }
          int p = 4 + 2 * wcnt;
          int pcnt = Integer.parseInt(f[p]);
          List<String> hyper = new ArrayList<>();
          for (int i = 0; i < pcnt; i++) {
            String sym = f[p + 1 + 4 * i];
            if (sym.equals("@") || sym.equals("@i")) {
              hyper.add(f[p + 3 + 4 * i].charAt(0) + f[p + 2 + 4 * i]);
            }
          }
          String gloss = clean(line.substring(bar + 3));
          int q = gloss.startsWith("\"") ? 0 : gloss.indexOf("; \"");
          String definition = clean(q < 0 ? gloss : gloss.substring(0, q));
          definition = definition.replaceAll("[;:,]\\s*$", "").trim();
          List<String> examples = new ArrayList<>();
          if (q >= 0) {
            Matcher m = EXAMPLE.matcher(gloss.substring(q));
            while (m.find()) {
              String e = clean(m.group(1));
              if (words(e) >= 3) {
                examples.add(e);
              }
            }
          }
          if (definition.isEmpty()) {
            continue;
          }
          wn.synsets.put(id, new Synset(id, type, lexFile,
              List.copyOf(words.values()), hyper, gloss, definition, examples));
        }
      }
      for (Synset s : wn.synsets.values()) {
        for (String h : s.hypernyms) {
          wn.hyponyms.computeIfAbsent(h, k -> new ArrayList<>()).add(s.id);
        }
      }
      return wn;
    }

    /** The longest hypernym path to a root, in edges (a root has depth 0). */
    int depth(Synset s) {
      Integer d = depth.get(s.id);
      if (d == null) {
        int best = 0;
        for (String h : s.hypernyms) {
          best = Math.max(best, depth(synsets.get(h)) + 1);
        }
        depth.put(s.id, best);
        d = best;
      }
      return d;
    }

    /** Shortest distance (edges) upwards from s to each of its ancestors, itself at 0. */
    Map<String, Integer> ancestors(Synset s) {
      Map<String, Integer> dist = new HashMap<>();
      ArrayDeque<String> queue = new ArrayDeque<>();
      dist.put(s.id, 0);
      queue.add(s.id);
      while (!queue.isEmpty()) {
        String x = queue.poll();
        for (String h : synsets.get(x).hypernyms) {
          if (!dist.containsKey(h)) {
            dist.put(h, dist.get(x) + 1);
            queue.add(h);
          }
        }
      }
      return dist;
    }

    /**
     * Wu-Palmer as NLTK computes it: the deepest common hypernym c (depth counted from 1 at the
     * root), 2 depth(c) / (depth(c) + dist(a, c) + depth(c) + dist(b, c)); 0 without one.
     */
    double wuPalmer(Synset a, Synset b) {
      Map<String, Integer> da = ancestors(a);
      Map<String, Integer> db = ancestors(b);
      String best = null;
      int bestDepth = -1;
      for (String c : da.keySet()) {
        if (db.containsKey(c)) {
          int d = depth(synsets.get(c));
          if (d > bestDepth || (d == bestDepth
              && da.get(c) + db.get(c) < da.get(best) + db.get(best))) {
            best = c;
            bestDepth = d;
          }
        }
      }
      if (best == null) {
        return 0;
      }
      double dc = bestDepth + 1;
      return 2 * dc / (2 * dc + da.get(best) + db.get(best));
    }
  }

  // ---------------------------------------------------------------- helpers

  static String clean(String s) {
    return SPACE.matcher(s).replaceAll(" ").trim();
  }

  static final Pattern WORD = Pattern.compile("\\p{L}+");

  /** |A and B| / |A or B| of the two texts' sets of lower-cased words (letters only). */
  static double jaccard(String a, String b) {
    Set<String> wa = wordSet(a);
    Set<String> wb = wordSet(b);
    int both = 0;
    for (String w : wa) {
      both += wb.contains(w) ? 1 : 0;
    }
    int any = wa.size() + wb.size() - both;
    return any == 0 ? 1 : (double) both / any;
  }

  static Set<String> wordSet(String s) {
    Set<String> out = new HashSet<>();
    Matcher m = WORD.matcher(s.toLowerCase(Locale.ROOT));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  static int words(String s) {
    return s.isEmpty() ? 0 : s.split(" ").length;
  }

  static void write(Path file, List<String> lines) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (String l : lines) {
        w.write(l);
        w.write('\n');
      }
    }
    System.err.printf("BuildEval: %d lines -> %s%n", lines.size(), file);
  }

  static String json(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
