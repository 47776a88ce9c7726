package io.model2vec.defaultmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mail part of the training corpus ({@code corpus/BuildCorpus.java}, a source-launcher
 * script, compiled here as it is): no passage of a message that {@code evaluate} scores reaches
 * the corpus.
 */
class BuildCorpusMailTest {
  @TempDir
  static Path classes;

  @TempDir
  Path tmp;

  static Class<?> buildCorpus;

  @BeforeAll
  static void compile() throws Exception {
    buildCorpus = BuildCorpusScript.compile(classes).loadClass("BuildCorpus");
  }

  /** Runs {@code mail(file)} and returns what it wrote. */
  private static String mail(Path file, Set<String> seen) throws Exception {
    StringWriter out = new StringWriter();
    Constructor<?> c = buildCorpus.getDeclaredConstructor(BufferedWriter.class, Set.class);
    c.setAccessible(true);
    try (BufferedWriter w = new BufferedWriter(out)) {
      Object b = c.newInstance(w, seen);
      Method m = buildCorpus.getDeclaredMethod("mail", Path.class);
      m.setAccessible(true);
      m.invoke(b, file);
    }
    return out.toString();
  }

  @Test
  void heldOutPassagesThatRepeatAScoredMessageAreLeftOut() throws Exception {
    String scored = "The meeting about the new mail server moves to Thursday afternoon because "
        + "the room is booked.";
    String own = "Please bring the figures for the third quarter and the list of open tickets "
        + "from the support queue.";
    String other = "Cheap offers on every printer cartridge you will ever need, shipped free to "
        + "your door this week only.";
    Path file = Files.writeString(tmp.resolve("mails.tsv"),
        "sample\t" + scored + "\n"
        + "held-out\tRe: meeting " + own + "\n"
        + "held-out\t" + scored.toUpperCase(java.util.Locale.ROOT) + "\n" // same letters
        + "held-out\t" + other + "\n"
        + "held-out\t" + other + "\n");
    Set<String> seen = new HashSet<>();
    String out = mail(file, seen);
    assertThat(out.lines()).containsExactly(
        "{\"text\":\"Re: meeting " + own + "\",\"source\":\"spam-assassin\"}",
        "{\"text\":\"" + other + "\",\"source\":\"spam-assassin\"}");
    assertThat(out).doesNotContainIgnoringCase("meeting about the new mail server");
  }

  @Test
  void aFileWithoutBothKindsOrWithAnotherKindIsRefusedNamingTheLine() throws Exception {
    Path onlyHeldOut = Files.writeString(tmp.resolve("a.tsv"), "held-out\tsome text here\n");
    assertThatThrownBy(() -> mail(onlyHeldOut, new HashSet<>()))
        .isInstanceOf(InvocationTargetException.class)
        .cause().hasMessageContaining("a.tsv has 0 sample and 1 held-out messages");
    Path bad = Files.writeString(tmp.resolve("b.tsv"), "sample\tx\nscored\ty\n");
    assertThatThrownBy(() -> mail(bad, new HashSet<>()))
        .cause().hasMessageContaining("b.tsv line 2: expected 'sample' or 'held-out'");
  }
}
