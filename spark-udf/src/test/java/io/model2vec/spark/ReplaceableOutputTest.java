package io.model2vec.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output rules of the Spark jobs and index builds, on the local file system through Hadoop. */
class ReplaceableOutputTest {
  private final Configuration conf = new Configuration();

  @TempDir
  Path tmp;

  private Path sparkOutput(String name, String content) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.writeString(dir.resolve("part-00000-abc.snappy.parquet"), content);
    Files.writeString(dir.resolve(".part-00000-abc.snappy.parquet.crc"), "crc");
    Files.writeString(dir.resolve("_SUCCESS"), "");
    return dir;
  }

  @Test
  void anOldOutputStaysUntilTheNewOneIsCommitted() throws Exception {
    Path out = sparkOutput("out", "old");
    ReplaceableOutput target = ReplaceableOutput.open(conf, out.toString(), true,
        ReplaceableOutput.Kind.SPARK_FILES, List.of());
    Path staging = Path.of(target.staging().toUri());
    assertThat(staging.getParent()).isEqualTo(tmp);
    assertThat(staging.getFileName().toString()).startsWith(".out.m2v-staging-");
    Files.createDirectories(staging);
    Files.writeString(staging.resolve("part-00000-new.parquet"), "new");
    assertThat(out.resolve("part-00000-abc.snappy.parquet")).hasContent("old");
    target.commit();
    target.close();
    assertThat(out.resolve("part-00000-new.parquet")).hasContent("new");
    assertThat(out.resolve("part-00000-abc.snappy.parquet")).doesNotExist();
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).containsExactly(out); // no staging, no old copy
    }
  }

  @Test
  void aFailedJobLeavesTheOldOutputAndNoStaging() throws Exception {
    Path out = sparkOutput("out", "old");
    try (ReplaceableOutput target = ReplaceableOutput.open(conf, out.toString(), true,
        ReplaceableOutput.Kind.SPARK_FILES, List.of())) {
      Path staging = Path.of(target.staging().toUri());
      Files.createDirectories(staging);
      Files.writeString(staging.resolve("part-00000-half.parquet"), "half");
      // the job fails here: no commit
    }
    assertThat(out.resolve("part-00000-abc.snappy.parquet")).hasContent("old");
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).containsExactly(out);
    }
  }

  @Test
  void anExistingOutputNeedsOverwrite() throws Exception {
    Path out = sparkOutput("out", "old");
    assertThatThrownBy(() -> ReplaceableOutput.open(conf, out.toString(), false,
        ReplaceableOutput.Kind.SPARK_FILES, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("output " + out + " exists; choose a new folder or overwrite");
  }

  @Test
  void aFolderThisProjectDidNotWriteIsNeverReplaced() throws Exception {
    Path site = Files.createDirectories(tmp.resolve("site"));
    Files.writeString(site.resolve("index.html"), "<html></html>");
    Files.writeString(site.resolve("manifest.json"), "{\"name\": \"my web app\"}");
    assertThatThrownBy(() -> ReplaceableOutput.open(conf, site.toString(), true,
        ReplaceableOutput.Kind.SPARK_FILES, List.of()))
        .hasMessage("output " + site + " holds a file 'index.html' that Spark's writer does not "
            + "make: not replaced (--overwrite replaces only what this project wrote; remove it "
            + "yourself or choose a new folder)");
    assertThatThrownBy(() -> ReplaceableOutput.open(conf, site.toString(), true,
        ReplaceableOutput.Kind.INDEX, List.of()))
        .hasMessageStartingWith("index output " + site + " has a manifest.json that is not an "
            + "index's (")
        .hasMessageContaining("key 'format' is missing");
    Path noSuccess = Files.createDirectories(tmp.resolve("half"));
    Files.writeString(noSuccess.resolve("part-00000.json"), "{}");
    assertThatThrownBy(() -> ReplaceableOutput.open(conf, noSuccess.toString(), true,
        ReplaceableOutput.Kind.SPARK_FILES, List.of()))
        .hasMessageContaining("has no _SUCCESS file, so it is not a finished Spark output");
    Path file = Files.writeString(tmp.resolve("notes.txt"), "mine");
    assertThatThrownBy(() -> ReplaceableOutput.open(conf, file.toString(), true,
        ReplaceableOutput.Kind.INDEX, List.of()))
        .hasMessage("index output " + file + " is a file, not a folder this job wrote: not replaced");
    assertThat(site.resolve("index.html")).hasContent("<html></html>");
    assertThat(file).hasContent("mine");
    // an empty folder may be written
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    ReplaceableOutput.open(conf, empty.toString(), true, ReplaceableOutput.Kind.INDEX, List.of())
        .close();
  }

  @Test
  void anOutputThatIsHoldsOrLiesInTheInputIsRefused() throws Exception {
    Path corpus = Files.createDirectories(tmp.resolve("corpus"));
    Files.writeString(corpus.resolve("a.jsonl"), "{\"text\": \"x\"}\n");
    Path link = Files.createSymbolicLink(tmp.resolve("link"), corpus);
    assertThatThrownBy(() -> open(corpus, corpus.toString()))
        .hasMessage("output " + corpus + " is the input " + corpus
            + ": choose another output folder");
    assertThatThrownBy(() -> open(link, corpus.toString()))
        .hasMessageContaining("is the input");
    assertThatThrownBy(() -> open(corpus.resolve("embedded"), corpus.toString()))
        .hasMessageContaining("lies inside the input");
    assertThatThrownBy(() -> open(tmp, corpus.resolve("a.jsonl").toString()))
        .hasMessage("output " + tmp + " contains the input " + corpus.resolve("a.jsonl")
            + ": replacing it would delete the input; choose another output folder");
    assertThatThrownBy(() -> open(corpus, "file://" + corpus + "/*.jsonl"))
        .hasMessageContaining("is the input");
    assertThatThrownBy(() -> ReplaceableOutput.checkApart(conf, link.resolve("x").toString(),
        List.of(corpus.toString()))).hasMessageContaining("lies inside the input");
    // beside the input is fine
    open(tmp.resolve("out"), corpus.toString()).close();
    assertThat(corpus.resolve("a.jsonl")).hasContent("{\"text\": \"x\"}\n");
  }

  private ReplaceableOutput open(Path output, String input) {
    return ReplaceableOutput.open(conf, output.toString(), true,
        ReplaceableOutput.Kind.SPARK_FILES, List.of(input));
  }
}
