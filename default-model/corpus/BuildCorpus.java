import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns the unpacked sources that build-corpus.sh fetched into corpus.jsonl: one
 * {"text": ..., "source": ...} line per passage (1-3 sentences, at most ~100 words), in source
 * order, de-duplicated on letters and digits (case-folded). Deterministic: the same sources give
 * the same file byte for byte. Run with the JDK's source launcher:
 * {@code java BuildCorpus.java SRC_DIR OUT_FILE}.
 */
public final class BuildCorpus {
  /** A passage grows sentence by sentence until it has this many words... */
  static final int MIN_WORDS = 15;
  /** ...and never beyond this many (a longer sentence is cut into pieces of this size). */
  static final int MAX_WORDS = 100;
  /** Passages shorter than this are headings, signatures or fragments. */
  static final int SHORTEST = 4;

  /** Fortune files left out: humorous definitions (no definitions in the corpus) and pictures. */
  static final Set<String> FORTUNE_SKIP = Set.of("definitions", "ascii-art");

  // A sentence ends at . ! ? (closing quotes/brackets allowed) before white space and a capital,
  // a quote or a digit; not after common abbreviations or single initials.
  static final Pattern END = Pattern.compile("[.!?][\"')\\]]*\\s+(?=[\"'(\\[]?[A-Z0-9])");
  static final Pattern ABBREV = Pattern.compile(
      "(?:\\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Col|Capt|Lt|Gov|Rev|Hon|Prof|No|Vol|vs|etc|Co|Inc|"
          + "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)|\\b[A-Z]|\\.[A-Za-z])$");
  static final Pattern SPACE = Pattern.compile("\\s+");
  static final Pattern NUMBER = Pattern.compile("\\d+");

  private final Map<String, Integer> counts = new LinkedHashMap<>();
  private final Map<String, Long> wordCounts = new LinkedHashMap<>();
  private final Set<String> seen;
  private final BufferedWriter out;
  private int dropped;
  /** While set, the text of every written passage is also kept here, by source. */
  Map<String, List<String>> keep;
  /** While set, passages that overlap an evaluation text are dropped (and counted, by source). */
  Overlap eval;
  final Map<String, Integer> evalDropped = new LinkedHashMap<>();

  BuildCorpus(BufferedWriter out, Set<String> seen) {
    this.out = out;
    this.seen = seen;
  }

  public static void main(String[] args) throws IOException {
    // Positional arguments first (the three original files), then the options of the general
    // corpus: --new SRC4_DIR WORK (writes WORK/corpus-4.jsonl ...) and --eval TEXTS_FILE.
    List<String> positional = new ArrayList<>();
    Path newSrc = null;
    Path newWork = null;
    Path evalTexts = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--new" -> {
          if (i + 2 >= args.length) {
            usage("--new needs SRC4_DIR and WORK");
          }
          newSrc = Paths.get(args[++i]);
          newWork = Paths.get(args[++i]);
        }
        case "--eval" -> {
          if (i + 1 >= args.length) {
            usage("--eval needs the file of evaluation texts");
          }
          evalTexts = Paths.get(args[++i]);
        }
        default -> positional.add(args[i]);
      }
    }
    if (positional.size() != 2 && positional.size() != 4 && positional.size() != 6) {
      usage("expected 2, 4 or 6 positional arguments, got " + positional.size());
    }
    if (newSrc != null && positional.size() < 4) {
      usage("--new needs SRC2_DIR OUT2_FILE too (the new files are de-duplicated against them)");
    }
    Path src = Paths.get(positional.get(0));
    Path outFile = Paths.get(positional.get(1));
    Set<String> seen = new HashSet<>();
    // The first corpus is rebuilt in full (byte for byte the same file) so that the second one
    // is de-duplicated against it as well as within itself.
    Map<String, List<String>> speechesAndBook = new LinkedHashMap<>();
    write(outFile, seen, b -> {
      b.keep = speechesAndBook;
      b.sotu(src.resolve("sotu/package/data"));
      b.moby(src.resolve("moby/package/data"));
      b.keep = null;
      b.fortunes(src.resolve("deb/x/usr/share/games/fortunes"));
      b.bible(src.resolve("kjv.txt"));
    });
    if (positional.size() >= 4) {
      Path deb = Paths.get(positional.get(2)).resolve("deb");
      write(Paths.get(positional.get(3)), seen, b -> {
        b.markup("python-docs", deb.resolve("python3.11-doc/usr/share/doc/python3.11/html/_sources"),
            ".rst.txt", Set.of("changelog.rst.txt"));
        b.markup("perl-docs", deb.resolve("perl-doc/usr/share/perl/5.36.0/pod"), ".pod", Set.of());
        b.markup("linux-docs", deb.resolve("linux-doc-6.1/usr/share/doc/linux-doc-6.1/Documentation"),
            ".rst.gz", Set.of("translations"));
        b.markup("linux-docs", deb.resolve("linux-doc-6.1/usr/share/doc/linux-doc-6.1/Documentation"),
            ".txt.gz", Set.of("translations"));
        b.markup("debian-handbook",
            deb.resolve("debian-handbook/usr/share/doc/debian-handbook/html/en-US"), ".html", Set.of());
        b.markup("postgresql-docs", deb.resolve("postgresql-doc-15/usr/share/doc/postgresql-doc-15/html"),
            ".html", Set.of());
      });
    }
    if (newSrc != null) {
      // The general corpus is de-duplicated against the first two files (a copy of their keys, so
      // that corpus-3.jsonl below stays what it was) and kept apart from every evaluation text.
      Overlap eval = evalTexts == null ? null : Overlap.read(evalTexts);
      GeneralCorpus.write(newSrc.resolve("deb"), newWork, new HashSet<>(seen), speechesAndBook, eval);
    } else if (evalTexts != null) {
      usage("--eval applies to the files that --new writes");
    }
    if (positional.size() == 6) {
      Path mails = Paths.get(positional.get(4));
      write(Paths.get(positional.get(5)), seen, b -> b.mail(mails));
    }
  }

  static void usage(String problem) {
    System.err.println("BuildCorpus: " + problem);
    System.err.println("usage: java BuildCorpus.java SRC_DIR OUT_FILE [SRC2_DIR OUT2_FILE "
        + "[MAIL_FILE OUT3_FILE]] [--new SRC4_DIR WORK] [--eval TEXTS_FILE]");
    System.exit(2);
  }

  interface Sources {
    void add(BuildCorpus b) throws IOException;
  }

  static void write(Path outFile, Set<String> seen, Sources sources) throws IOException {
    write(outFile, seen, null, sources);
  }

  /** Writes one corpus file; with {@code eval}, passages overlapping an evaluation text are left out. */
  static void write(Path outFile, Set<String> seen, Overlap eval, Sources sources)
      throws IOException {
    Path tmp = outFile.resolveSibling(outFile.getFileName() + ".tmp");
    BuildCorpus b;
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      b = new BuildCorpus(w, seen);
      b.eval = eval;
      sources.add(b);
    }
    if (Files.isRegularFile(outFile) && Files.mismatch(tmp, outFile) == -1) {
      // The same bytes: the file stays as it was (a featurize job reading it is not disturbed).
      Files.delete(tmp);
    } else {
      Files.move(tmp, outFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    int total = 0;
    long totalWords = 0;
    for (Map.Entry<String, Integer> e : b.counts.entrySet()) {
      long w = b.wordCounts.getOrDefault(e.getKey(), 0L);
      System.err.printf("  %-16s %,8d passages %,10d words%s%n", e.getKey(), e.getValue(), w,
          eval == null ? "" : String.format(" (%,d dropped as overlaps with the evaluation)",
              b.evalDropped.getOrDefault(e.getKey(), 0)));
      total += e.getValue();
      totalWords += w;
    }
    System.err.printf("  %,d passages, %,d words (%,d duplicates dropped) -> %s%n", total,
        totalWords, b.dropped, outFile);
  }

  /** State of the Union addresses: one file per address, the text on one line. */
  void sotu(Path dir) throws IOException {
    for (Path f : list(dir, ".txt")) {
      prose("sotu", Files.readString(f, StandardCharsets.UTF_8));
    }
  }

  /**
   * SpamAssassin mail, as {@code bin/model2vec evaluate --write-held-out} writes it: a line per
   * message, "sample" or "held-out", a tab, its subject and body. The passages of the sample (the
   * messages evaluate scores) are remembered and written nowhere, so that no passage of the
   * held-out messages repeats one of them; the held-out messages are cut like prose.
   */
  void mail(Path file) throws IOException {
    List<String> sample = new ArrayList<>();
    List<String> heldOut = new ArrayList<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      int tab = line.indexOf('\t');
      String kind = tab < 0 ? "" : line.substring(0, tab);
      switch (kind) {
        case "sample" -> sample.add(line.substring(tab + 1));
        case "held-out" -> heldOut.add(line.substring(tab + 1));
        default -> throw new IOException(file + " line " + n
            + ": expected 'sample' or 'held-out', a tab and the text");
      }
    }
    if (sample.isEmpty() || heldOut.isEmpty()) {
      throw new IOException(file + " has " + sample.size() + " sample and " + heldOut.size()
          + " held-out messages; both are needed");
    }
    BuildCorpus evaluated = new BuildCorpus(new BufferedWriter(Writer.nullWriter()), seen);
    int before = seen.size();
    for (String text : sample) {
      evaluated.prose("sample", text);
    }
    System.err.printf("  %,d passages of the %,d evaluated messages left out%n",
        seen.size() - before, sample.size());
    for (String text : heldOut) {
      prose("spam-assassin", text);
    }
  }

  /** Moby-Dick: chapters and epilogue, paragraphs separated by blank lines, a title line first. */
  void moby(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path f : list(dir, ".txt")) {
      String n = f.getFileName().toString();
      if (n.startsWith("chapter_") || n.equals("epilogue.txt")) {
        files.add(f);
      }
    }
    files.sort(Comparator.comparingInt(BuildCorpus::chapterNumber));
    for (Path f : files) {
      String[] paras = Files.readString(f, StandardCharsets.UTF_8).split("\\n\\s*\\n");
      for (int i = 1; i < paras.length; i++) { // paras[0] is "CHAPTER n. Title"
        prose("moby-dick", paras[i]);
      }
    }
  }

  /** Fortune files: cookies separated by lines holding only "%"; short cookies kept whole. */
  void fortunes(Path dir) throws IOException {
    for (Path f : list(dir, "")) {
      String n = f.getFileName().toString();
      if (n.contains(".") || FORTUNE_SKIP.contains(n) || !Files.isRegularFile(f)) {
        continue; // .dat indexes, .u8 links
      }
      String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
      for (String cookie : text.split("\\n%\\n")) {
        String c = SPACE.matcher(cookie.replaceAll("(?m)^%$", "")).replaceAll(" ").trim();
        if (!looksLikeProse(c)) {
          continue;
        }
        if (words(c) <= MAX_WORDS) {
          emit("fortunes", c);
        } else {
          prose("fortunes", c);
        }
      }
    }
  }

  /**
   * The King James Bible as "Book1:1 text" lines: the verses of a chapter grouped like sentences
   * (a short verse joins the next one).
   */
  void bible(Path file) throws IOException {
    String chapter = null;
    List<String> verses = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      int sp = line.indexOf(' ');
      int colon = line.indexOf(':');
      if (sp < 0 || colon < 0 || colon > sp) {
        continue;
      }
      String c = line.substring(0, colon);
      if (!c.equals(chapter) && !verses.isEmpty()) {
        passages("kjv", verses);
        verses.clear();
      }
      chapter = c;
      verses.add(line.substring(sp + 1).trim());
    }
    passages("kjv", verses);
  }

  /**
   * Documentation in reStructuredText, POD or HTML (by file name): the prose paragraphs of each
   * file, files in path order, those under a folder or with a name in {@code skip} left out.
   * Code, tables, headings, directives and lists of names are not prose and are dropped.
   */
  void markup(String source, Path dir, String suffix, Set<String> skip) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a folder (run build-corpus.sh, which fetches it)");
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(suffix))
          .filter(f -> {
            for (Path part : dir.relativize(f)) {
              if (skipped(skip, part.toString())) {
                return false;
              }
            }
            return true;
          })
          .sorted(Comparator.comparing(f -> dir.relativize(f).toString())).toList();
    }
    for (Path f : files) {
      byte[] bytes = Files.readAllBytes(f);
      if (suffix.endsWith(".gz")) {
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
          bytes = in.readAllBytes();
        }
      }
      String text = new String(bytes, StandardCharsets.UTF_8).replace("\r", "");
      String name = f.getFileName().toString();
      List<String> paras = source.endsWith("-javadoc") ? GeneralCorpus.javadocParagraphs(text)
          : suffix.endsWith(".cfg") ? GeneralCorpus.wmlStrings(text)
          : source.equals("endless-sky") ? GeneralCorpus.endlessSkyText(text)
          : source.equals("naev") || source.equals("widelands") ? GeneralCorpus.gettextStrings(text)
          // Freeciv's strings continue over lines that end with a backslash
          : source.equals("freeciv") ? GeneralCorpus.gettextStrings(text.replace("\\\n", ""))
          : source.equals("freecol") ? GeneralCorpus.propertyValues(text)
          : source.equals("crawl") ? GeneralCorpus.crawlDescriptions(text)
          : source.equals("vim-help") ? rstParagraphs(GeneralCorpus.vimHelp(text))
          : suffix.endsWith(".html") || suffix.endsWith(".page") ? htmlParagraphs(text)
          : suffix.endsWith(".pod") ? podParagraphs(text)
          : name.contains(".info") ? infoParagraphs(text) : rstParagraphs(text);
      List<String> sentences = new ArrayList<>();
      for (String p : paras) {
        String c = SPACE.matcher(p).replaceAll(" ").trim();
        if (words(c) >= 6 && looksLikeDocProse(c) && !(source.equals("libstdc++-docs")
            && GeneralCorpus.DOXYGEN_BOILERPLATE.matcher(c).lookingAt())) {
          sentences.addAll(sentences(c));
        }
      }
      passages(source, sentences);
    }
  }

  /** A name in a skip set, or matching one of its entries that end with "*" (a name prefix). */
  static boolean skipped(Set<String> skip, String name) {
    if (skip.contains(name)) {
      return true;
    }
    for (String s : skip) {
      if (s.endsWith("*") && name.startsWith(s.substring(0, s.length() - 1))) {
        return true;
      }
    }
    return false;
  }

  static final Pattern INFO_INDENT = Pattern.compile("^   (?=\\S)");
  static final Pattern INFO_NOTE = Pattern.compile("\\*[Nn]ote\\s+([^:]*?)::?");

  /**
   * Info files: the node separators, node headers and menus out, cross references reduced to
   * their names; then the paragraphs are read like reStructuredText (indented examples and
   * underlined headings out).
   */
  static List<String> infoParagraphs(String text) {
    StringBuilder b = new StringBuilder();
    boolean menu = false;
    for (String line : text.split("\n", -1)) {
      if (line.indexOf('\u001f') >= 0 || line.startsWith("File: ") || line.startsWith("Tag Table:")
          || line.startsWith("Indirect:")) {
        b.append('\n');
        menu = false;
        continue;
      }
      if (line.startsWith("* Menu:")) {
        menu = true;
      }
      // A paragraph's first line is indented three spaces (examples, five or more): unindented,
      // it reads like any other paragraph.
      b.append(menu ? "" : INFO_INDENT.matcher(line).replaceFirst("")).append('\n');
    }
    List<String> out = new ArrayList<>();
    for (String p : rstParagraphs(b.toString())) {
      out.add(INFO_NOTE.matcher(p).replaceAll("see $1"));
    }
    return out;
  }

  static final Pattern RST_UNDERLINE = Pattern.compile("^([=\\-~^\"'`#*+.:_])\\1{2,}\\s*$");
  static final Pattern RST_ROLE = Pattern.compile(":[a-z:+-]+:`([^`<]*?)(?:\\s*<[^`>]*>)?`");
  static final Pattern RST_LINK = Pattern.compile("`([^`<]*?)(?:\\s*<[^`>]*>)?`_{1,2}");
  static final Pattern RST_LITERAL = Pattern.compile("``([^`]+)``");
  static final Pattern RST_EMPH = Pattern.compile("\\*{1,2}([^*\\s][^*]*?)\\*{1,2}");
  static final Pattern BULLET = Pattern.compile("^(?:[-*+\u2022]|\\(?(?:[0-9]{1,3}|[a-zA-Z#])[.)])\\s+");

  /** reStructuredText (and the kernel's plain .txt): unindented paragraphs that are not markup. */
  static List<String> rstParagraphs(String text) {
    List<String> out = new ArrayList<>();
    for (String block : text.split("\\n\\s*\\n")) {
      String b = block.replaceAll("^\\n+", "");
      if (b.isBlank() || Character.isWhitespace(b.charAt(0)) || b.startsWith("..")
          || b.startsWith(":") || b.startsWith("|") || b.startsWith("+-") || b.startsWith(">>>")) {
        continue; // literal/quoted/directive bodies, field lists, tables, doctests
      }
      boolean heading = false;
      for (String line : b.split("\n")) {
        if (RST_UNDERLINE.matcher(line).matches()) {
          heading = true;
          break;
        }
      }
      if (heading) {
        continue;
      }
      b = BULLET.matcher(b).replaceFirst("");
      b = RST_ROLE.matcher(b).replaceAll("$1");
      b = RST_LINK.matcher(b).replaceAll("$1");
      b = RST_LITERAL.matcher(b).replaceAll("$1");
      b = RST_EMPH.matcher(b).replaceAll("$1");
      b = b.replace("::", ":").replace("\\ ", "");
      out.add(b);
    }
    return out;
  }

  static final Pattern POD_CODE = Pattern.compile("[A-Z]<([^<>]*)>");
  static final Pattern POD_CODE_WIDE = Pattern.compile("[A-Z]<<+\\s+(.*?)\\s+>>+");

  /** POD: ordinary paragraphs (not commands, not verbatim, not inside =begin/=for). */
  static List<String> podParagraphs(String text) {
    List<String> out = new ArrayList<>();
    boolean inBegin = false;
    for (String block : text.split("\\n\\s*\\n")) {
      String b = block.replaceAll("^\\n+", "");
      if (b.startsWith("=begin")) {
        inBegin = true;
      }
      if (b.startsWith("=end")) {
        inBegin = false;
        continue;
      }
      if (inBegin || b.isBlank() || b.startsWith("=") || Character.isWhitespace(b.charAt(0))) {
        continue;
      }
      b = POD_CODE_WIDE.matcher(b).replaceAll("$1");
      for (int i = 0; i < 4; i++) { // nested codes, innermost first
        Matcher m = POD_CODE.matcher(b);
        StringBuilder r = new StringBuilder();
        while (m.find()) {
          String inner = m.group(1);
          String code = b.substring(m.start(), m.start() + 1);
          String rep = switch (code) {
            case "X", "Z" -> "";
            case "E" -> inner.equals("lt") ? "<" : inner.equals("gt") ? ">" : inner.equals("verbar")
                ? "|" : inner.equals("sol") ? "/" : "";
            case "L" -> inner.contains("|") ? inner.substring(0, inner.indexOf('|'))
                : inner.replace("\"", "").replaceFirst("^/", "");
            default -> inner;
          };
          m.appendReplacement(r, Matcher.quoteReplacement(rep));
        }
        m.appendTail(r);
        b = r.toString();
      }
      out.add(b);
    }
    return out;
  }

  static final Pattern HTML_P = Pattern.compile(
      "<(?:p|div class=\"para\")(?:\\s[^>]*)?>(.*?)</(?:p|div)>", Pattern.DOTALL);
  static final Pattern HTML_TAG = Pattern.compile("<[^>]*>");
  static final Pattern HTML_ENTITY = Pattern.compile("&(#x?[0-9a-fA-F]+|[a-z]+);");
  static final Map<String, String> ENTITIES = Map.of("lt", "<", "gt", ">", "amp", "&", "quot",
      "\"", "apos", "'", "nbsp", " ", "mdash", "\u2014", "ndash", "\u2013", "hellip", "\u2026");

  /**
   * HTML: the text of the paragraphs (&lt;p&gt;, or DocBook's &lt;div class="para"&gt;), tags
   * stripped, entities decoded.
   */
  static List<String> htmlParagraphs(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = HTML_P.matcher(text);
    while (m.find()) {
      out.add(htmlText(m.group(1)));
    }
    return out;
  }

  /** An HTML fragment as text: tags stripped, entities decoded. */
  static String htmlText(String html) {
    {
      String b = HTML_TAG.matcher(html).replaceAll("");
      Matcher e = HTML_ENTITY.matcher(b);
      StringBuilder r = new StringBuilder();
      while (e.find()) {
        String n = e.group(1);
        String rep;
        if (n.startsWith("#x")) {
          rep = new String(Character.toChars(Integer.parseInt(n.substring(2), 16)));
        } else if (n.startsWith("#")) {
          rep = new String(Character.toChars(Integer.parseInt(n.substring(1))));
        } else {
          rep = ENTITIES.getOrDefault(n, " ");
        }
        e.appendReplacement(r, Matcher.quoteReplacement(rep));
      }
      e.appendTail(r);
      return r.toString();
    }
  }

  /**
   * Documentation prose: mostly letters, few code characters, and at least one sentence-like
   * ending (a list of option names or a signature has none).
   */
  static boolean looksLikeDocProse(String s) {
    String ns = s.replace(" ", "");
    long letters = ns.chars().filter(Character::isLetter).count();
    long code = ns.chars().filter(c -> "{}[]();=<>$@%&|\\_#/*".indexOf(c) >= 0).count();
    return letters >= 0.75 * ns.length() && code <= 0.03 * ns.length()
        && s.matches("(?s).*[a-z].*[.!?:][\"')]*$");
  }

  /** Running text into passages of whole sentences. */
  void prose(String source, String text) throws IOException {
    passages(source, sentences(SPACE.matcher(text).replaceAll(" ").trim()));
  }

  /** Consecutive sentences into passages of at least MIN_WORDS, at most MAX_WORDS words. */
  void passages(String source, List<String> sentences) throws IOException {
    StringBuilder passage = new StringBuilder();
    int words = 0;
    for (String s : sentences) {
      int w = words(s);
      if (words > 0 && (words >= MIN_WORDS || words + w > MAX_WORDS)) {
        emit(source, passage.toString());
        passage.setLength(0);
        words = 0;
      }
      if (w > MAX_WORDS) {
        String[] ws = s.split(" ");
        for (int i = 0; i < ws.length; i += MAX_WORDS) {
          emit(source, String.join(" ", java.util.Arrays.copyOfRange(ws, i,
              Math.min(ws.length, i + MAX_WORDS))));
        }
        continue;
      }
      if (words > 0) {
        passage.append(' ');
      }
      passage.append(s);
      words += w;
    }
    if (words > 0) {
      emit(source, passage.toString());
    }
  }

  static List<String> sentences(String t) {
    List<String> out = new ArrayList<>();
    Matcher m = END.matcher(t);
    int start = 0;
    while (m.find()) {
      String before = t.substring(start, m.start());
      if (ABBREV.matcher(before).find()) {
        continue;
      }
      out.add(t.substring(start, m.end()).trim());
      start = m.end();
    }
    if (start < t.length()) {
      out.add(t.substring(start).trim());
    }
    return out;
  }

  void emit(String source, String passage) throws IOException {
    String p = passage.trim();
    if (words(p) < SHORTEST) {
      return;
    }
    write(source, p);
  }

  /** A short text (a word, a term): any length, and not equal to an evaluation text. */
  void emitShort(String source, String text) throws IOException {
    if (text.codePoints().noneMatch(Character::isLetterOrDigit)) {
      return;
    }
    if (eval != null && eval.isText(text)) {
      evalDropped.merge(source, 1, Integer::sum);
      return;
    }
    write(source, text);
  }

  private void write(String source, String p) throws IOException {
    if (eval != null && eval.overlaps(p)) {
      evalDropped.merge(source, 1, Integer::sum);
      return;
    }
    StringBuilder key = new StringBuilder();
    p.toLowerCase(Locale.ROOT).codePoints().filter(Character::isLetterOrDigit)
        .forEach(key::appendCodePoint);
    if (!seen.add(key.toString())) {
      dropped++;
      return;
    }
    out.write("{\"text\":");
    out.write(json(p));
    out.write(",\"source\":\"");
    out.write(source);
    out.write("\"}\n");
    counts.merge(source, 1, Integer::sum);
    wordCounts.merge(source, (long) words(p), Long::sum);
    if (keep != null) {
      keep.computeIfAbsent(source, k -> new ArrayList<>()).add(p);
    }
  }

  /** Mostly letters: not a table, a listing or a picture. */
  static boolean looksLikeProse(String s) {
    long letters = s.chars().filter(Character::isLetter).count();
    return !s.isEmpty() && letters >= 0.6 * s.replace(" ", "").length();
  }

  static int words(String s) {
    return s.isEmpty() ? 0 : s.split(" ").length;
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

  static int chapterNumber(Path f) {
    Matcher m = NUMBER.matcher(f.getFileName().toString());
    return m.find() ? Integer.parseInt(m.group()) : Integer.MAX_VALUE; // epilogue last
  }

  static List<Path> list(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a folder (run build-corpus.sh, which fetches it)");
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }
}

/**
 * The general corpus of the built-in model (corpus-4.jsonl and on): licence-clean English text
 * only, no evaluation data (no mail, no Bible, no fortunes, no WordNet), each group of sources in
 * its own file so that each is featurized (and resumed) on its own.
 */
final class GeneralCorpus {
  private GeneralCorpus() {}

  /** The official campaigns, each a Debian package wesnoth-1.16-NAME. */
  static final List<String> WESNOTH_CAMPAIGNS = List.of("did", "dm", "dw", "ei", "httt", "l", "low",
      "nr", "sof", "sota", "sotbe", "thot", "trow", "tsg", "ttb", "utbs");

  static void write(Path deb, Path work, Set<String> seen, Map<String, List<String>> speechesAndBook,
      Overlap eval) throws IOException {
    if (eval == null) {
      System.err.println("  no evaluation texts given (--eval): the general corpus is not checked "
          + "against the evaluation");
    }
    // The passages written to the prose files, by source in file order, for the long passages of
    // corpus-12.jsonl.
    Map<String, List<String>> prose = new LinkedHashMap<>();
    // The speeches and the novel of corpus.jsonl, the same passages in the same order (they are
    // already unique, and in `seen`, so the files below are de-duplicated against them).
    BuildCorpus.write(work.resolve("corpus-4.jsonl"), new HashSet<>(), eval, b -> {
      b.keep = prose;
      for (Map.Entry<String, List<String>> e : speechesAndBook.entrySet()) {
        for (String p : e.getValue()) {
          b.emit(e.getKey(), p);
        }
      }
    });
    Path dictd = Paths.get("usr/share/dictd");
    Map<String, List<String>> dictionaries = new LinkedHashMap<>();
    BuildCorpus.write(work.resolve("corpus-5.jsonl"), seen, eval, b -> {
      b.keep = dictionaries;
      for (String[] e : dictEntries(deb.resolve("dict-gcide").resolve(dictd), "gcide")) {
        gcide(b, e[1]);
      }
      for (String[] e : dictEntries(deb.resolve("dict-foldoc").resolve(dictd), "foldoc")) {
        headed(b, "foldoc", e[1], 0);
      }
      for (String[] e : dictEntries(deb.resolve("dict-jargon").resolve(dictd), "jargon")) {
        headed(b, "jargon", e[1], 8);
      }
      for (String[] e : dictEntries(deb.resolve("dict-devil").resolve(dictd), "devil")) {
        devil(b, e[1]);
      }
    });
    BuildCorpus.write(work.resolve("corpus-6.jsonl"), seen, eval, b -> {
      b.keep = prose;
      b.markup("gnome-help", deb.resolve("gnome-user-docs/usr/share/help/C"), ".page", Set.of());
      b.markup("libreoffice-help",
          deb.resolve("libreoffice-help-en-us/usr/share/libreoffice/help/en-US"), ".html", Set.of());
      b.markup("gimp-help", deb.resolve("gimp-help-en/usr/share/gimp/2.0/help/en"), ".html", Set.of());
      // The info manuals; the internals reference is generated from the program's tables.
      b.markup("lilypond-docs", deb.resolve("lilypond-doc/usr/share/info"), ".gz",
          Set.of("lilypond-internals.info*"));
      b.markup("gnucash-help", deb.resolve("gnucash-docs/usr/share/doc/gnucash-docs/gnucash-help-en"),
          ".html", Set.of());
      b.markup("gnucash-guide",
          deb.resolve("gnucash-docs/usr/share/doc/gnucash-docs/gnucash-guide-en"), ".html", Set.of());
      b.markup("kicad-docs", deb.resolve("kicad-doc-en/usr/share/doc/kicad/help/en"), ".html",
          Set.of());
      b.markup("freedombox-manual", deb.resolve("freedombox-doc-en/usr/share/freedombox/manual/en"),
          ".html", Set.of());
      b.markup("debian-history", deb.resolve("debian-history/usr/share/doc/debian-history/docs"),
          ".en.html", Set.of());
      b.markup("debian-reference", deb.resolve("debian-reference-en/usr/share/debian-reference"),
          ".en.html", Set.of());
      b.markup("debian-policy", deb.resolve("debian-policy/usr/share/doc/debian-policy"), ".rst.txt",
          Set.of());
      b.markup("developers-ref", deb.resolve("developers-reference/usr/share/developers-reference"),
          ".rst.txt", Set.of());
      b.markup("debian-faq", deb.resolve("debian-faq/usr/share/doc/debian/FAQ"), ".en.html",
          Set.of());
      manPages(b, "man-pages", deb.resolve("manpages/usr/share/man"));
      manPages(b, "man-pages-dev", deb.resolve("manpages-dev/usr/share/man"));
      b.markup("debian-install", deb.resolve(
          "installation-guide-amd64/usr/share/doc/installation-guide-amd64/en"), ".html", Set.of());
      manPages(b, "systemd-man", deb.resolve("systemd/usr/share/man"));
      manPages(b, "openssl-man", deb.resolve("openssl/usr/share/man"));
    });
    // Stories: the dialogue and narration of Wesnoth's campaigns, and the game's own help.
    BuildCorpus.write(work.resolve("corpus-8.jsonl"), seen, eval, b -> {
      b.keep = prose;
      b.markup("wesnoth", deb.resolve("wesnoth-1.16-data/usr/share/games/wesnoth/1.16/data"), ".cfg",
          Set.of());
      for (String c : WESNOTH_CAMPAIGNS) {
        b.markup("wesnoth", deb.resolve("wesnoth-1.16-" + c + "/usr/share/games/wesnoth/1.16/data"),
            ".cfg", Set.of());
      }
    });
    // The narration, dialogue and descriptions of three more games: Endless Sky and Naev (space
    // trading), Widelands (settlement building).
    BuildCorpus.write(work.resolve("corpus-9.jsonl"), seen, eval, b -> {
      b.keep = prose;
      b.markup("endless-sky", deb.resolve("endless-sky-data/usr/share/games/endless-sky/data"),
          ".txt", Set.of());
      b.markup("naev", deb.resolve("naev-data/usr/share/naev/dat"), ".lua", Set.of());
      b.markup("naev", deb.resolve("naev-data/usr/share/naev/dat"), ".xml", Set.of());
      b.markup("widelands", deb.resolve("widelands-data/usr/share/games/widelands"), ".lua",
          Set.of());
    });
    // Reference manuals of programming and scientific software: technical, like corpus-2.jsonl,
    // in a file of their own so that a training run can leave them out.
    BuildCorpus.write(work.resolve("corpus-7.jsonl"), seen, eval, b -> {
      b.markup("octave-manual", deb.resolve("octave-doc/usr/share/doc/octave/octave.html"), ".html",
          Set.of());
      b.markup("maxima-manual", deb.resolve("maxima-doc/usr/share/doc/maxima-doc/html"), ".html",
          Set.of());
      b.markup("r-manuals", deb.resolve("r-doc-info/usr/share/info"), ".gz", Set.of());
      b.markup("apache-httpd-docs", deb.resolve("apache2-doc/usr/share/doc/apache2-doc/manual/en"),
          ".html", Set.of());
      b.markup("git-docs", deb.resolve("git-doc/usr/share/doc/git-doc"), ".html", Set.of());
      b.markup("sqlite-docs", deb.resolve("sqlite3-doc/usr/share/doc/sqlite3"), ".html", Set.of());
      b.markup("django-docs", deb.resolve("python-django-doc/usr/share/doc/python-django-doc/html"),
          ".html", Set.of("_modules"));
      b.markup("erlang-docs", deb.resolve("erlang-doc/usr/share/doc/erlang-doc"), ".html",
          Set.of());
      b.markup("openjdk-javadoc", deb.resolve("openjdk-17-doc/usr/share/doc/openjdk-17-jre-headless/api"),
          ".html", Set.of());
      b.markup("rust-docs", deb.resolve("rust-doc/usr/share/doc/rust-doc/html"), ".html", Set.of());
      b.markup("qt5-docs", deb.resolve("qtbase5-doc-html/usr/share/qt5/doc"), ".html", Set.of());
      b.markup("pandas-docs", deb.resolve("python-pandas-doc/usr/share/doc/python-pandas-doc/html"),
          ".html", Set.of("_modules"));
      b.markup("scipy-docs", deb.resolve("python-scipy-doc/usr/share/doc/python-scipy-doc/html"),
          ".html", Set.of("_modules"));
      b.markup("nodejs-docs", deb.resolve("nodejs-doc/usr/share/doc/nodejs/api"), ".html",
          Set.of("all.html"));
      b.markup("cmake-docs", deb.resolve("cmake-doc/usr/share/doc/cmake-data/html"), ".html",
          Set.of());
      b.markup("groovy-javadoc", deb.resolve("groovy-doc/usr/share/doc/groovy/api"), ".html",
          Set.of());
      b.markup("scala-docs", deb.resolve("scala-doc/usr/share/doc/scala-2.11/api"), ".html",
          Set.of());
      b.markup("libstdc++-docs", deb.resolve("libstdc++-12-doc/usr/share/doc/gcc-12-base/libstdc++"),
          ".html", Set.of());
      b.markup("glib-docs", deb.resolve("libglib2.0-doc/usr/share/gtk-doc/html"), ".html", Set.of());
      b.markup("gtk3-docs", deb.resolve("libgtk-3-doc/usr/share/gtk-doc/html"), ".html", Set.of());
      b.markup("exim-spec", deb.resolve("exim4-doc-html/usr/share/doc/exim4-doc-html"), ".html",
          Set.of());
      b.markup("ant-manual", deb.resolve("ant-doc/usr/share/doc/ant/manual"), ".html", Set.of());
      b.markup("ant-javadoc", deb.resolve("ant-doc/usr/share/doc/ant/api"), ".html", Set.of());
    });
    // More kinds of prose: the encyclopaedic help of two strategy games of history (Freeciv's
    // help, its rulesets' texts and the legends of its 559 nations; FreeCol's Colonopedia), the
    // descriptions of a fantasy game (Dungeon Crawl Stone Soup; its file of quotations from other
    // books left out), four Debian manuals, and the manuals of Vim, Zsh and Sphinx.
    BuildCorpus.write(work.resolve("corpus-10.jsonl"), seen, eval, b -> {
      b.keep = prose;
      Path freeciv = deb.resolve("freeciv-data/usr/share/games/freeciv");
      b.markup("freeciv", freeciv, "helpdata.txt", Set.of());
      b.markup("freeciv", freeciv, ".ruleset", Set.of());
      b.markup("freecol", deb.resolve("freecol/usr/share/games/freecol/strings"),
          "FreeColMessages.properties", Set.of());
      b.markup("crawl", deb.resolve("crawl-common/usr/share/crawl/dat/descript"), ".txt",
          CRAWL_SKIP);
      b.markup("debian-edu-manual", deb.resolve("debian-edu-doc-en/usr/share/doc/debian-edu-doc-en"),
          "bookworm-manual.html", Set.of());
      b.markup("securing-debian", deb.resolve("harden-doc/usr/share/doc/harden-doc/html/en-US"),
          ".html", Set.of());
      b.markup("maint-guide", deb.resolve("maint-guide/usr/share/doc/maint-guide/html"), ".en.html",
          Set.of());
      b.markup("kernel-handbook",
          deb.resolve("debian-kernel-handbook/usr/share/doc/debian-kernel-handbook"), ".html",
          Set.of());
      b.markup("vim-help", deb.resolve("vim-runtime/usr/share/vim/vim90/doc"), ".txt", Set.of());
      b.markup("zsh-manual", deb.resolve("zsh-doc/usr/share/doc/zsh-common/html"), ".html", Set.of());
      b.markup("sphinx-docs", deb.resolve("sphinx-doc/usr/share/doc/sphinx-doc/html"), ".html",
          Set.of("_modules"));
    });
    // Short texts: the headwords of the dictionary entries of corpus-5.jsonl ("Headword: ..."), a
    // word or a term alone, so that a query of a few words is trained as well as a passage is.
    // None may be an evaluation text (the definition task's queries are lists of words).
    BuildCorpus.write(work.resolve("corpus-11.jsonl"), seen, eval, b -> {
      for (Map.Entry<String, List<String>> e : dictionaries.entrySet()) {
        for (String p : e.getValue()) {
          int colon = p.indexOf(": ");
          if (colon > 0 && colon < HEADWORD_MAX) {
            b.emitShort(e.getKey() + "-headword", p.substring(0, colon).trim());
          }
        }
      }
    });
    // Long passages: consecutive passages of one source of the prose files (corpus-4, -6, -8, -9
    // and -10) joined into texts of LONG_MIN to LONG_MAX words, so that a text as long as a mail
    // body or a documentation section can be trained as well as a sentence is (a candidate file:
    // the built-in model does not train on it, docs/tokenlearn.md says why). Checked against the
    // evaluation again: a join can make a run of words that no passage of it had.
    BuildCorpus.write(work.resolve("corpus-12.jsonl"), new HashSet<>(), eval, b -> {
      for (Map.Entry<String, List<String>> e : prose.entrySet()) {
        longPassages(b, e.getKey() + "-long", e.getValue());
      }
    });
    // Word lists: the Moby Thesaurus (a root word and the words of related meaning), so that a
    // query made of a few words ("faint, swoon, syncope") is trained as a passage is. Written
    // last, so that the files above stay as they were.
    BuildCorpus.write(work.resolve("corpus-13.jsonl"), seen, eval, b -> {
      thesaurus(b, deb.resolveSibling("npm").resolve("moby/package/words.txt"));
    });
  }

  /** The sizes of the groups of related words taken from a thesaurus entry, each after its root. */
  static final int[] THESAURUS_GROUPS = {2, 4, 6};

  /**
   * The Moby Thesaurus, one entry a line: "root,word,word,..." (the words in alphabetical order).
   * Each entry gives up to THESAURUS_GROUPS.length word lists, "root, w1, w2": its words shuffled
   * with the line number as the seed (java.util.Random, so the same on every JVM), then cut into
   * groups of the sizes of THESAURUS_GROUPS; a word is in at most one list of its entry.
   */
  static void thesaurus(BuildCorpus b, Path words) throws IOException {
    if (!Files.isRegularFile(words)) {
      throw new IOException(words + " is missing (run build-corpus.sh, which fetches npm moby)");
    }
    List<String> lines = Files.readAllLines(words, StandardCharsets.UTF_8);
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n).strip();
      if (line.isEmpty()) {
        continue;
      }
      List<String> related = new ArrayList<>();
      for (String w : line.split(",")) {
        if (!w.isBlank()) {
          related.add(w.strip());
        }
      }
      if (related.size() < 2) {
        continue;
      }
      String root = related.remove(0); // the words after it are the related ones
      Collections.shuffle(related, new Random(n));
      int from = 0;
      for (int size : THESAURUS_GROUPS) {
        if (from >= related.size()) {
          break;
        }
        int to = Math.min(related.size(), from + size);
        b.emitShort("moby-thesaurus", root + ", " + String.join(", ", related.subList(from, to)));
        from = to;
      }
    }
  }

  /** A long passage has at least this many words (a few passages of corpus-4, -6 ... joined)... */
  static final int LONG_MIN = 60;
  /** ...and at most this many. */
  static final int LONG_MAX = 120;

  /**
   * Joins consecutive passages into texts of LONG_MIN to LONG_MAX words, two passages or more
   * each (one alone is already in its own file); a run that cannot reach LONG_MIN without
   * passing LONG_MAX is left out.
   */
  static void longPassages(BuildCorpus b, String source, List<String> passages) throws IOException {
    List<String> run = new ArrayList<>();
    int words = 0;
    for (String p : passages) {
      int w = BuildCorpus.words(p);
      if (words + w > LONG_MAX) {
        run.clear();
        words = 0;
      }
      run.add(p);
      words += w;
      if (words >= LONG_MIN) {
        if (run.size() >= 2) {
          b.emit(source, String.join(" ", run));
        }
        run.clear();
        words = 0;
      }
    }
  }

  /** A dictionary passage's "Headword: " prefix is at most this long (longer is a sentence). */
  static final int HEADWORD_MAX = 60;

  /**
   * Crawl's description files that are not descriptions: quotations from other books (their
   * copyright is their authors'), the tutorial, hints and key commands; and the translations.
   */
  static final Set<String> CRAWL_SKIP = Set.of("quotes.txt", "tutorial.txt", "hints.txt",
      "commands.txt", "cs", "da", "de", "el", "es", "fi", "fr", "hu", "it", "ja", "ko", "lt", "lv",
      "nl", "pl", "pt", "ru", "sv", "tr", "zh");

  static final Pattern CRAWL_LUA = Pattern.compile("\\{\\{.*?\\}\\}", Pattern.DOTALL);
  static final Pattern CRAWL_MARKUP = Pattern.compile("<[^>]*>|\\$[A-Za-z]\\{[^}]*\\}|@[a-z_]+@");

  /**
   * Crawl's description database: entries between "%%%%" lines, a key line, then the text
   * ("#" lines are comments); Lua blocks ({{ ... }}), colour tags and placeholders out.
   */
  static List<String> crawlDescriptions(String text) {
    List<String> out = new ArrayList<>();
    for (String entry : text.split("(?m)^%%%%\\s*$")) {
      StringBuilder body = new StringBuilder();
      boolean key = true;
      for (String line : entry.split("\n")) {
        if (line.startsWith("#") || (key && line.isBlank())) {
          continue;
        }
        if (key) {
          key = false; // the entry's name
          continue;
        }
        body.append(line).append('\n');
      }
      String t = CRAWL_MARKUP.matcher(CRAWL_LUA.matcher(body).replaceAll("")).replaceAll("");
      for (String p : t.split("\\n\\s*\\n")) {
        out.add(p);
      }
    }
    return out;
  }

  static final Pattern VIM_TAG = Pattern.compile("\\*[^*\\s|]+\\*");
  static final Pattern VIM_LINK = Pattern.compile("\\|([^|\\s]+)\\|");

  /**
   * Vim's help files as plain text: examples out (a line ending in " >" opens one, its indented
   * lines follow, a line starting with "<" or not indented closes it; the markers go too), tags
   * (*name*) out, links (|name|) reduced to their name. The paragraphs are then read as
   * reStructuredText's: unindented ones only, headings ("====" lines) out.
   */
  static String vimHelp(String text) {
    StringBuilder out = new StringBuilder();
    boolean example = false;
    for (String line : text.split("\n", -1)) {
      if (example) {
        if (line.isEmpty() || Character.isWhitespace(line.charAt(0))) {
          continue;
        }
        example = false;
        if (line.startsWith("<")) {
          line = line.substring(1);
        }
      }
      if (line.endsWith(" >") || line.equals(">")) {
        example = true;
        line = line.substring(0, line.length() - 1);
      }
      line = VIM_LINK.matcher(VIM_TAG.matcher(line).replaceAll("")).replaceAll("$1");
      out.append(line.stripTrailing()).append('\n');
    }
    return out.toString();
  }

  /**
   * A Java properties file of messages (FreeCol's): the values, in file order, an escaped line
   * break a paragraph break; {{tag:...}} markup reduced to its last part.
   */
  static List<String> propertyValues(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (line.startsWith("#") || eq < 1) {
        continue;
      }
      String v = PROPERTY_TAG.matcher(line.substring(eq + 1)).replaceAll("$1");
      for (String p : v.split("\\\\n")) {
        out.add(p);
      }
    }
    return out;
  }

  static final Pattern PROPERTY_TAG = Pattern.compile("\\{\\{[^{}|]*\\|([^{}]*)\\}\\}");

  static final Pattern JAVADOC_BLOCK = Pattern.compile("<div class=\"block\">(.*?)</div>",
      Pattern.DOTALL);
  static final Pattern HTML_PRE = Pattern.compile("<pre[^>]*>.*?</pre>", Pattern.DOTALL);
  static final Pattern HTML_BREAK = Pattern.compile(
      "</?(?:p|ul|ol|li|dl|dt|dd|blockquote|table|tr|td|th|h[1-6]|br)(?:\\s[^>]*)?/?>");

  /**
   * Javadoc: the description blocks (&lt;div class="block"&gt;), code listings out, cut into
   * paragraphs at paragraph and list tags, then read like any HTML paragraph.
   */
  static List<String> javadocParagraphs(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = JAVADOC_BLOCK.matcher(text);
    while (m.find()) {
      String block = HTML_PRE.matcher(m.group(1)).replaceAll("\n\n");
      for (String p : HTML_BREAK.split(block)) {
        if (!p.isBlank()) {
          out.add(BuildCorpus.htmlText(p));
        }
      }
    }
    return out;
  }

  static final Pattern WML_STRING = Pattern.compile("\\b_\\s*\"((?:[^\"]++|\"\")*+)\"");
  static final Pattern WML_MARKUP = Pattern.compile("<[^>]*>|\\{[^{}]*\\}");

  /**
   * Wesnoth's WML: its translatable strings (_ "..."; a quote inside is doubled), the dialogue,
   * stories, objectives and help of the game, markup tags and macro calls out.
   */
  static List<String> wmlStrings(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = WML_STRING.matcher(text);
    while (m.find()) {
      out.add(WML_MARKUP.matcher(m.group(1).replace("\"\"", "\"")).replaceAll(""));
    }
    return out;
  }

  static final Pattern ES_BACKTICK = Pattern.compile("`([^`]*)`");
  static final Pattern ES_DESCRIPTION = Pattern.compile("^\\s*description\\s+\"([^\"]*)\"\\s*$");

  /**
   * Endless Sky's data files: the narration and dialogue of its missions and conversations (the
   * strings between backquotes) and the descriptions of ships, outfits and planets. Placeholders
   * such as &lt;origin&gt; stay in, and the code-character filter drops most paragraphs holding
   * them.
   */
  static List<String> endlessSkyText(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      Matcher m = ES_BACKTICK.matcher(line);
      if (m.find()) {
        out.add(m.group(1));
        continue;
      }
      Matcher d = ES_DESCRIPTION.matcher(line);
      if (d.matches()) {
        out.add(d.group(1));
      }
    }
    return out;
  }

  static final Pattern LUA_STRING = Pattern.compile(
      "\\b_\\(?\\s*(?:\"((?:[^\"\\\\\\n]++|\\\\.)*+)\"|\\[\\[(.*?)\\]\\])|<description>(.*?)</description>",
      Pattern.DOTALL);

  /**
   * Games in Lua and XML (Naev, Widelands): their translatable strings, _("...") or _([[...]])
   * (Lua's long brackets), and the &lt;description&gt; elements of the XML files; escapes
   * decoded, an escaped line break a paragraph break.
   */
  static List<String> gettextStrings(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = LUA_STRING.matcher(text);
    while (m.find()) {
      String s = m.group(1) != null ? m.group(1).replace("\\n", "\n\n").replace("\\\"", "\"")
          .replace("\\'", "'").replace("\\\\", "\\")
          : m.group(2) != null ? m.group(2) : BuildCorpus.htmlText(m.group(3));
      for (String p : s.split("\\n\\s*\\n")) {
        out.add(p);
      }
    }
    return out;
  }

  /** Doxygen's own lines (where a member is defined, who calls it), no description. */
  static final Pattern DOXYGEN_BOILERPLATE = Pattern.compile(
      "(?:Definition at line|Referenced by|References|Reimplemented (?:from|in)|Generated on) ");

  static final String B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  /**
   * A dictd database (NAME.index, NAME.dict.dz, dictzip being gzip): its entries, each once, in
   * the order of the data file, as {headword, text}; the database's own "00-database" entries
   * left out.
   */
  static List<String[]> dictEntries(Path dir, String name) throws IOException {
    Path index = dir.resolve(name + ".index");
    if (!Files.isRegularFile(index)) {
      throw new IOException(index + " is missing (run build-corpus.sh, which fetches it)");
    }
    byte[] data;
    try (var in = new java.util.zip.GZIPInputStream(
        Files.newInputStream(dir.resolve(name + ".dict.dz")))) {
      data = in.readAllBytes();
    }
    java.util.TreeMap<Long, String[]> entries = new java.util.TreeMap<>();
    int n = 0;
    for (String line : Files.readAllLines(index, StandardCharsets.UTF_8)) {
      n++;
      String[] f = line.split("\t");
      if (f.length < 3) {
        throw new IOException(index + " line " + n + ": expected headword, offset and length");
      }
      if (f[0].startsWith("00-database") || f[0].startsWith("00database")) {
        continue;
      }
      long off = b64(f[1]);
      long len = b64(f[2]);
      if (off + len > data.length) {
        throw new IOException(index + " line " + n + ": entry " + f[0] + " ends at " + (off + len)
            + ", past the data's " + data.length + " bytes");
      }
      entries.putIfAbsent(off, new String[] {f[0],
          new String(data, (int) off, (int) len, StandardCharsets.UTF_8).replace("\r", "")});
    }
    return new ArrayList<>(entries.values());
  }

  static long b64(String s) {
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      v = v * 64 + B64.indexOf(s.charAt(i));
    }
    return v;
  }

  // GCIDE's markup: accented letters as [a^] ["o] [=e] [ng] inside words, pronunciations between
  // backslashes, etymologies, labels and sources in brackets, cross references in braces,
  // attributions after "--", subject labels such as (Zool.).
  static final Pattern GCIDE_ACCENT = Pattern.compile(
      "(?<=[A-Za-z\\]])\\[([^\\[\\]\\s]{1,3})\\]|\\[([^\\[\\]\\s]{1,3})\\](?=[A-Za-z\\[])");
  static final Pattern GCIDE_PRON = Pattern.compile("\\\\[^\\\\\\n]*\\\\");
  static final Pattern BRACKETS = Pattern.compile("\\[[^\\[\\]]*\\]");
  static final Pattern BRACES = Pattern.compile("\\{([^{}]*?)(?:\\s*\\([a-z]+://[^)]*\\))?\\}");
  static final Pattern ATTRIBUTION = Pattern.compile("--[A-Z][^\\n]*");
  static final Pattern SUBJECT = Pattern.compile(
      "\\((?:[A-Z][A-Za-z]*\\.?)(?:\\s*(?:&|and|,)?\\s*[A-Z][A-Za-z]*\\.?)*\\)");
  /** "pl." or "sing." before a sense: the sense is of the plural (singular) form. */
  static final Pattern NUMBER_LABEL = Pattern.compile("(?<=^|\\s)(?:pl|sing)\\.\\s+(?=[A-Z])");
  static final Pattern SENSE = Pattern.compile("^\\s*(?:\\d+\\.|\\([a-z]\\))\\s+");
  static final Pattern INDENT = Pattern.compile("^( *)");

  /**
   * A GCIDE entry: its senses (the blocks of the entry) without the WordNet ones (WordNet is
   * evaluation data) and without quotations (the deeply indented lines), as "Headword: sense.
   * sense." cut into passages.
   */
  static void gcide(BuildCorpus b, String entry) throws IOException {
    int pron = entry.indexOf(" \\");
    int nl = entry.indexOf('\n');
    if (pron < 0 || nl < 0 || pron > nl) {
      return; // not a headword line ("Headword \Pro*nun"ci*a`tion\, pos.")
    }
    String head = entry.substring(0, pron).trim();
    String text = GCIDE_ACCENT.matcher(entry).replaceAll(m -> Matcher.quoteReplacement(
        (m.group(1) != null ? m.group(1) : m.group(2)).replaceAll("[^A-Za-z]", "")));
    head = GCIDE_ACCENT.matcher(head).replaceAll(m -> Matcher.quoteReplacement(
        (m.group(1) != null ? m.group(1) : m.group(2)).replaceAll("[^A-Za-z]", "")));
    text = GCIDE_PRON.matcher(text).replaceAll("");
    List<String> kept = new ArrayList<>();
    String[] blocks = text.split("\\n\\s*\\n");
    for (int i = 0; i < blocks.length; i++) {
      if (blocks[i].contains("WordNet") || blocks[i].contains("[WN")) {
        continue;
      }
      String block = blocks[i];
      for (int k = 0; k < 5; k++) { // nested brackets, innermost first
        block = BRACKETS.matcher(block).replaceAll("");
      }
      StringBuilder lines = new StringBuilder();
      String[] ls = block.split("\\n");
      for (int j = i == 0 ? 1 : 0; j < ls.length; j++) { // the headword line is no sense
        Matcher m = INDENT.matcher(ls[j]);
        if (m.find() && m.group(1).length() >= 9) {
          continue; // a quotation and its attribution
        }
        lines.append(SENSE.matcher(ls[j]).replaceFirst("")).append(' ');
      }
      String sense = BRACES.matcher(lines.toString()).replaceAll("$1");
      sense = ATTRIBUTION.matcher(sense).replaceAll("");
      sense = SUBJECT.matcher(sense).replaceAll("");
      sense = NUMBER_LABEL.matcher(sense).replaceAll("");
      sense = BuildCorpus.SPACE.matcher(sense).replaceAll(" ").trim();
      if (!sense.isEmpty() && looksLikeDefinition(sense)) {
        kept.add(sense);
      }
    }
    if (!kept.isEmpty()) {
      entryPassages(b, "gcide", head + ": " + String.join(" ", kept));
    }
  }

  static final Pattern DOMAIN = Pattern.compile("^<[^>]*>\\s*");
  static final Pattern DATE = Pattern.compile("\\(\\d{4}-\\d{2}-\\d{2}\\)");

  /**
   * FOLDOC and the Jargon File: the headword (the first line), then blocks of text; braces (cross
   * references) reduced to their text, brackets (sources, etymologies) and subject tags out, lines
   * indented {@code quoteIndent} or more (examples, quotations) out.
   */
  static void headed(BuildCorpus b, String source, String entry, int quoteIndent)
      throws IOException {
    String[] blocks = entry.split("\\n\\s*\\n");
    String head = blocks[0].split("\\n")[0].trim();
    List<String> kept = new ArrayList<>();
    for (int i = 1; i < blocks.length; i++) {
      StringBuilder lines = new StringBuilder();
      for (String line : blocks[i].split("\\n")) {
        Matcher m = INDENT.matcher(line);
        if (quoteIndent > 0 && m.find() && m.group(1).length() >= quoteIndent) {
          continue;
        }
        lines.append(line).append(' ');
      }
      String t = BuildCorpus.SPACE.matcher(lines.toString()).replaceAll(" ").trim();
      t = DOMAIN.matcher(t).replaceFirst("");
      t = BRACES.matcher(t).replaceAll("$1");
      t = BRACKETS.matcher(t).replaceAll("");
      t = DATE.matcher(t).replaceAll("");
      t = BuildCorpus.SPACE.matcher(t).replaceAll(" ").trim();
      if (!t.isEmpty() && looksLikeDefinition(t)) {
        kept.add(t);
      }
    }
    if (!kept.isEmpty()) {
      entryPassages(b, source, head + ": " + String.join(" ", kept));
    }
  }

  /** The Devil's Dictionary: "WORD, pos. Definition." kept as written; verse (indented) out. */
  static void devil(BuildCorpus b, String entry) throws IOException {
    StringBuilder lines = new StringBuilder();
    for (String line : entry.split("\\n")) {
      if (!line.startsWith("    ")) {
        lines.append(line).append(' ');
      }
    }
    String t = BRACES.matcher(lines.toString()).replaceAll("$1");
    t = BRACKETS.matcher(t).replaceAll("");
    t = BuildCorpus.SPACE.matcher(t).replaceAll(" ").trim();
    if (looksLikeDefinition(t)) {
      entryPassages(b, "devil", t);
    }
  }

  /**
   * The documentation filter, but semicolons are not code in a dictionary: they separate the
   * parts of a definition ("a placing; disposition; arrangement.").
   */
  static boolean looksLikeDefinition(String s) {
    return BuildCorpus.looksLikeDocProse(s.replace(';', ','));
  }

  /** An entry of at least 6 words, cut into passages of whole sentences. */
  static void entryPassages(BuildCorpus b, String source, String text) throws IOException {
    if (BuildCorpus.words(text) >= 6) {
      b.passages(source, BuildCorpus.sentences(text));
    }
  }

  static final Pattern ROFF_FONT = Pattern.compile("\\\\f(?:\\[[^\\]]*\\]|\\(..|.)");
  static final Pattern ROFF_SPECIAL = Pattern.compile("\\\\(?:\\(..|\\[[^\\]]*\\]|\\*(?:\\(..|\\[[^\\]]*\\]|.)|s[-+]?\\d)");
  static final Map<String, String> ROFF_CHARS = Map.ofEntries(Map.entry("\\(em", "\u2014"),
      Map.entry("\\(en", "\u2013"), Map.entry("\\(aq", "'"), Map.entry("\\(dq", "\""),
      Map.entry("\\(lq", "\u201c"), Map.entry("\\(rq", "\u201d"), Map.entry("\\(oq", "\u2018"),
      Map.entry("\\(cq", "\u2019"), Map.entry("\\*(lq", "\u201c"), Map.entry("\\*(rq", "\u201d"),
      Map.entry("\\(bu", ""), Map.entry("\\(co", "\u00a9"), Map.entry("\\(mu", "\u00d7"));

  /**
   * Man pages (roff, gzip): the DESCRIPTION section of each page, its running text; examples
   * (.nf/.EX blocks), tables, the tags of tagged paragraphs (.TP: option or constant names) and
   * comments out, font changes and special characters reduced to text.
   */
  static void manPages(BuildCorpus b, String source, Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a folder (run build-corpus.sh, which fetches it)");
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".gz"))
          .sorted(Comparator.comparing(f -> dir.relativize(f).toString())).toList();
    }
    for (Path f : files) {
      String text;
      try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(f))) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      List<String> sentences = new ArrayList<>();
      for (String p : roffDescription(text)) {
        String c = BuildCorpus.SPACE.matcher(p).replaceAll(" ").trim();
        if (BuildCorpus.words(c) >= 6 && BuildCorpus.looksLikeDocProse(c)) {
          sentences.addAll(BuildCorpus.sentences(c));
        }
      }
      b.passages(source, sentences);
    }
  }

  static List<String> roffDescription(String text) {
    List<String> paras = new ArrayList<>();
    StringBuilder para = new StringBuilder();
    boolean inDescription = false;
    boolean literal = false;
    boolean skipNext = false;
    for (String raw : text.replace("\r", "").split("\\n")) {
      String line = raw.replaceAll("^([.'])\\s+", "$1");
      if (line.startsWith(".\\\"") || line.startsWith("'\\\"") || line.startsWith("\\\"")) {
        continue;
      }
      if (line.startsWith(".SH")) {
        flush(paras, para);
        String title = line.substring(3).replace("\"", "").trim();
        inDescription = title.equals("DESCRIPTION");
        continue;
      }
      if (!inDescription) {
        continue;
      }
      String req = line.startsWith(".") || line.startsWith("'")
          ? line.substring(1).split("\\s+", 2)[0] : "";
      switch (req) {
        case "nf", "EX", "TS", "EQ", "de" -> {
          flush(paras, para);
          literal = true;
          continue;
        }
        case "fi", "EE", "TE", "EN", "." -> {
          literal = false;
          continue;
        }
        default -> { }
      }
      if (literal) {
        continue;
      }
      if (!req.isEmpty()) {
        switch (req) {
          case "B", "I", "SM", "SB" -> {
            if (skipNext) {
              skipNext = false;
              continue;
            }
            para.append(unquote(line.substring(1 + req.length()).trim())).append(' ');
          }
          case "BR", "IR", "RB", "RI", "BI", "IB" -> {
            if (skipNext) {
              skipNext = false;
              continue;
            }
            StringBuilder joined = new StringBuilder();
            Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)")
                .matcher(line.substring(1 + req.length()));
            while (m.find()) {
              joined.append(m.group(1) != null ? m.group(1) : m.group(2));
            }
            para.append(joined).append(' ');
          }
          case "TP" -> {
            flush(paras, para);
            skipNext = true; // the next line is the tag
          }
          default -> flush(paras, para); // .PP .SS .IP .RS .in .br .sp ...: a new paragraph
        }
        continue;
      }
      if (skipNext) {
        skipNext = false;
        continue;
      }
      para.append(line).append(' ');
    }
    flush(paras, para);
    List<String> out = new ArrayList<>();
    for (String p : paras) {
      String t = ROFF_FONT.matcher(p).replaceAll("");
      for (Map.Entry<String, String> e : ROFF_CHARS.entrySet()) {
        t = t.replace(e.getKey(), e.getValue());
      }
      t = ROFF_SPECIAL.matcher(t).replaceAll("");
      t = t.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\").replace("\\~", " ")
          .replace("\\ ", " ").replace("\\c", "").replace("\\%", "").replace("\\:", "")
          .replace("\\|", "").replace("\\^", "");
      out.add(t);
    }
    return out;
  }

  static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1)
        : s;
  }

  static void flush(List<String> paras, StringBuilder para) {
    if (para.length() > 0) {
      paras.add(para.toString());
      para.setLength(0);
    }
  }
}

/**
 * The texts that the evaluation scores, for the check that no training passage overlaps one. A
 * text of at least {@link #SHINGLE} words overlaps a passage that shares any run of
 * {@link #SHINGLE} words with it (after lower-casing, words being runs of letters and digits):
 * such a run, outside boilerplate, is a quotation, not chance, and it is found whichever way a
 * text and a passage were cut. A text of {@link #SHORTEST_TEXT} to 7 words overlaps a passage
 * that contains it whole. Shorter texts (single words, names, short queries) are not looked for
 * inside passages (every passage that uses such a phrase would go), but a short text of the corpus
 * (a headword) that is one of them, whole, is left out ({@link #isText}).
 */
final class Overlap {
  static final int SHINGLE = 8;
  static final int SHORTEST_TEXT = 5;

  // 64-bit hashes of the word runs: millions of 32-bit hashes would collide by chance.
  private final Set<Long> shingles = new HashSet<>();
  private final Set<Long> shortTexts = new HashSet<>();
  // Every text whole (its words), whatever its length: short texts of the corpus are checked
  // against these.
  private final Set<Long> wholeTexts = new HashSet<>();

  static Overlap read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("the evaluation texts " + file + " are not a file");
    }
    Overlap o = new Overlap();
    int texts = 0;
    int tooShort = 0;
    int shortOnes = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      texts++;
      String[] w = words(line);
      o.wholeTexts.add(hash(w, 0, w.length));
      if (w.length >= SHINGLE) {
        for (int i = 0; i + SHINGLE <= w.length; i++) {
          o.shingles.add(hash(w, i, SHINGLE));
        }
      } else if (w.length >= SHORTEST_TEXT) {
        o.shortTexts.add(hash(w, 0, w.length));
        shortOnes++;
      } else {
        tooShort++;
      }
    }
    System.err.printf("  evaluation texts %s: %,d texts, %,d of them of %d-%d words (checked whole),"
        + " %,d shorter (a short text of the corpus equal to one is left out), %,d distinct %d-word"
        + " shingles of the others%n", file, texts,
        shortOnes, SHORTEST_TEXT, SHINGLE - 1, tooShort, o.shingles.size(), SHINGLE);
    return o;
  }

  /** The text is one of the evaluation's texts (the same words, case and punctuation aside). */
  boolean isText(String text) {
    String[] w = words(text);
    return wholeTexts.contains(hash(w, 0, w.length));
  }

  boolean overlaps(String passage) {
    String[] w = words(passage);
    for (int i = 0; i < w.length; i++) {
      if (i + SHINGLE <= w.length && shingles.contains(hash(w, i, SHINGLE))) {
        return true;
      }
      for (int k = SHORTEST_TEXT; k < SHINGLE && i + k <= w.length; k++) {
        if (shortTexts.contains(hash(w, i, k))) {
          return true;
        }
      }
    }
    return false;
  }

  static String[] words(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    s.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
      if (Character.isLetterOrDigit(c)) {
        w.appendCodePoint(c);
      } else if (w.length() > 0) {
        out.add(w.toString());
        w.setLength(0);
      }
    });
    if (w.length() > 0) {
      out.add(w.toString());
    }
    return out.toArray(new String[0]);
  }

  /** FNV-1a, 64 bits, over the words and a separator after each. */
  static long hash(String[] w, int from, int len) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < from + len; i++) {
      String s = w[i];
      for (int j = 0; j < s.length(); j++) {
        h = (h ^ s.charAt(j)) * 0x100000001b3L;
      }
      h = (h ^ 0x1f) * 0x100000001b3L;
    }
    return h;
  }
}
