import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
  private final Set<String> seen;
  private final BufferedWriter out;
  private int dropped;

  BuildCorpus(BufferedWriter out, Set<String> seen) {
    this.out = out;
    this.seen = seen;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 2 && args.length != 4 && args.length != 6) {
      System.err.println("usage: java BuildCorpus.java SRC_DIR OUT_FILE [SRC2_DIR OUT2_FILE "
          + "[MAIL_FILE OUT3_FILE]]");
      System.exit(2);
    }
    Path src = Paths.get(args[0]);
    Path outFile = Paths.get(args[1]);
    Set<String> seen = new HashSet<>();
    // The first corpus is rebuilt in full (byte for byte the same file) so that the second one
    // is de-duplicated against it as well as within itself.
    write(outFile, seen, b -> {
      b.sotu(src.resolve("sotu/package/data"));
      b.moby(src.resolve("moby/package/data"));
      b.fortunes(src.resolve("deb/x/usr/share/games/fortunes"));
      b.bible(src.resolve("kjv.txt"));
    });
    if (args.length >= 4) {
      Path deb = Paths.get(args[2]).resolve("deb");
      write(Paths.get(args[3]), seen, b -> {
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
    if (args.length == 6) {
      Path mails = Paths.get(args[4]);
      write(Paths.get(args[5]), seen, b -> b.mail(mails));
    }
  }

  interface Sources {
    void add(BuildCorpus b) throws IOException;
  }

  static void write(Path outFile, Set<String> seen, Sources sources) throws IOException {
    Path tmp = outFile.resolveSibling(outFile.getFileName() + ".tmp");
    BuildCorpus b;
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      b = new BuildCorpus(w, seen);
      sources.add(b);
    }
    Files.move(tmp, outFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    int total = 0;
    for (Map.Entry<String, Integer> e : b.counts.entrySet()) {
      System.err.printf("  %-16s %,8d passages%n", e.getKey(), e.getValue());
      total += e.getValue();
    }
    System.err.printf("  %,d passages (%,d duplicates dropped) -> %s%n", total, b.dropped, outFile);
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
              if (skip.contains(part.toString())) {
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
      List<String> paras = suffix.endsWith(".html") ? htmlParagraphs(text)
          : suffix.endsWith(".pod") ? podParagraphs(text) : rstParagraphs(text);
      List<String> sentences = new ArrayList<>();
      for (String p : paras) {
        String c = SPACE.matcher(p).replaceAll(" ").trim();
        if (words(c) >= 6 && looksLikeDocProse(c)) {
          sentences.addAll(sentences(c));
        }
      }
      passages(source, sentences);
    }
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
      String b = HTML_TAG.matcher(m.group(1)).replaceAll("");
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
      out.add(r.toString());
    }
    return out;
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
