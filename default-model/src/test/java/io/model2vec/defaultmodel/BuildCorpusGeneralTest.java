package io.model2vec.defaultmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parts of the general corpus ({@code corpus/BuildCorpus.java}, compiled here as it is): the
 * readers of Vim's help and Crawl's descriptions, the short texts (headwords), which must not
 * be evaluation texts, and the long passages joined from consecutive ones.
 */
class BuildCorpusGeneralTest {
  @TempDir
  static Path classes;

  @TempDir
  Path tmp;

  static ClassLoader loader;

  @BeforeAll
  static void compile() throws Exception {
    loader = BuildCorpusScript.compile(classes);
  }

  private static Object call(String cls, String method, Class<?> type, Object arg)
      throws Exception {
    Method m = loader.loadClass(cls).getDeclaredMethod(method, type);
    m.setAccessible(true);
    return m.invoke(null, arg);
  }

  @Test
  void vimHelpLosesItsExamplesTagsAndLinkBars() throws Exception {
    String help = "Searching a pattern\t\t\t\t\t*search-pattern*\n"
        + "\n"
        + "The |/| command moves the cursor to the next match of the pattern. For example: >\n"
        + "\t/foo\\|bar\n"
        + "\t:set hlsearch\n"
        + "<The 'hlsearch' option highlights every match.\n"
        + "\n"
        + "\tAn indented paragraph is an example too.\n";
    @SuppressWarnings("unchecked")
    List<String> paras = (List<String>) call("BuildCorpus", "rstParagraphs", String.class,
        call("GeneralCorpus", "vimHelp", String.class, help));
    assertThat(paras).hasSize(2);
    assertThat(paras.get(0)).isEqualTo("Searching a pattern");
    assertThat(paras.get(1).replace('\n', ' ')).isEqualTo("The / command moves the cursor to the "
        + "next match of the pattern. For example: The 'hlsearch' option highlights every match.");
  }

  @Test
  void crawlEntriesLoseTheirNameLuaAndMarkup() throws Exception {
    String db = "%%%%\n"
        + "# a comment\n"
        + "orc warrior\n"
        + "\n"
        + "A hardened orc, <lightred>scarred</lightred> by many battles.{{ return \"x\" }}\n"
        + "\n"
        + "It fights for @god_name@ alone.\n"
        + "%%%%\n";
    @SuppressWarnings("unchecked")
    List<String> paras = (List<String>) call("GeneralCorpus", "crawlDescriptions", String.class,
        db);
    assertThat(paras.stream().map(String::strip).filter(p -> !p.isEmpty()))
        .containsExactly("A hardened orc, scarred by many battles.", "It fights for  alone.");
  }

  /** What a BuildCorpus checked against the evaluation texts {@code texts} writes in {@code body}. */
  private String written(String texts, Body body) throws Exception {
    Method read = loader.loadClass("Overlap").getDeclaredMethod("read", Path.class);
    read.setAccessible(true);
    Object eval = read.invoke(null, Files.writeString(tmp.resolve("texts.txt"), texts));
    Class<?> bc = loader.loadClass("BuildCorpus");
    Constructor<?> c = bc.getDeclaredConstructor(BufferedWriter.class, Set.class);
    c.setAccessible(true);
    StringWriter out = new StringWriter();
    try (BufferedWriter w = new BufferedWriter(out)) {
      Object b = c.newInstance(w, new HashSet<String>());
      Field f = bc.getDeclaredField("eval");
      f.setAccessible(true);
      f.set(b, eval);
      body.run(bc, b);
    }
    return out.toString();
  }

  interface Body {
    void run(Class<?> buildCorpus, Object b) throws Exception;
  }

  @Test
  void aHeadwordThatIsAnEvaluationTextIsLeftOutAndShortOnesAreKept() throws Exception {
    String out = written("faint, swoon, syncope, deliquium\nsyncope\nA long gloss of the evaluation "
        + "that has more than eight words in it.\n", (bc, b) -> {
          Method emitShort = bc.getDeclaredMethod("emitShort", String.class, String.class);
          emitShort.setAccessible(true);
          for (String h : List.of("Syncope", "swoon", "Faint, swoon, syncope, deliquium",
              "aardvark", "Aaron's rod", "AARDVARK", "--")) {
            emitShort.invoke(b, "gcide-headword", h);
          }
        });
    // "Syncope" and the lemma list are evaluation texts (case and punctuation aside); "AARDVARK"
    // repeats "aardvark"; "--" has no letter
    assertThat(out.lines()).containsExactly(
        "{\"text\":\"swoon\",\"source\":\"gcide-headword\"}",
        "{\"text\":\"aardvark\",\"source\":\"gcide-headword\"}",
        "{\"text\":\"Aaron's rod\",\"source\":\"gcide-headword\"}");
  }

  /** A passage of {@code n} words, "w0 w1 ... wN.". */
  private static String words(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : " ").append('w').append(i);
    }
    return b.append('.').toString();
  }

  @Test
  void longPassagesJoinTwoOrMoreConsecutivePassagesAndAreCheckedAgainstTheEvaluation()
      throws Exception {
    // An evaluation text of nine words whose first four end one passage and last five begin the
    // next: neither passage overlaps it, their join does.
    String p30 = words(30);
    String p35 = words(35);
    List<String> passages = List.of(
        p30, p35, // 65 words: one long passage
        words(100), // alone: already a passage of its own file
        words(50), words(80), // 130 words: the 50 are left out, the 80 are alone
        words(40) + " alpha beta gamma delta.", "Epsilon zeta eta theta iota " + words(40),
        words(20), words(20), words(25)); // 65 words from three passages
    String out = written("alpha beta gamma delta epsilon zeta eta theta iota\n", (bc, b) -> {
      Method longPassages = loader.loadClass("GeneralCorpus").getDeclaredMethod("longPassages", bc,
          String.class, List.class);
      longPassages.setAccessible(true);
      longPassages.invoke(null, b, "vim-help-long", passages);
    });
    assertThat(out.lines()).containsExactly(
        "{\"text\":\"" + p30 + " " + p35 + "\",\"source\":\"vim-help-long\"}",
        "{\"text\":\"" + words(20) + " " + words(20) + " " + words(25)
            + "\",\"source\":\"vim-help-long\"}");
  }
}
