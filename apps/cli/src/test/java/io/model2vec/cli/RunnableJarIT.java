package io.model2vec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar works with nothing but a JVM: copied out of the checkout, run with
 * {@code java -jar} from another directory, the built-in model inside.
 */
class RunnableJarIT {
  @TempDir
  Path tmp;

  @Test
  void theJarEncodesWithTheBuiltInModelAwayFromTheCheckout() throws Exception {
    Path target = Paths.get("target").toAbsolutePath();
    Path jar;
    try (Stream<Path> s = Files.list(target)) {
      jar = s.filter(p -> p.getFileName().toString().matches("model2vec-cli-.*-all\\.jar"))
          .findFirst().orElseThrow(() -> new AssertionError("no *-all.jar in " + target));
    }
    Path copy = Files.copy(jar, tmp.resolve("model2vec.jar"));
    Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":1,\"text\":\"hello world\"}\n");
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-jar", copy.toString(), "encode",
        "--input", in.toString())
        .directory(tmp.toFile())
        .redirectError(new File(tmp.toFile(), "err.txt"))
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("err.txt"))).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines).hasSize(1);
    JsonNode row = new ObjectMapper().readTree(lines.get(0));
    assertThat(row.get("embedding").size()).as("the built-in model's 384 dimensions").isEqualTo(384);
  }
}
