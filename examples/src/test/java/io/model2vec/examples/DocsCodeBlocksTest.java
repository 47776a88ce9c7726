package io.model2vec.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code java} code block of README.md and docs/*.md compiles against the project as it
 * is, so the docs cannot drift from the API. A block is the body of a method whose parameters are
 * the few things the docs take as given (a SparkSession {@code spark}, a DataFrame {@code df}, a
 * Flink {@code env}, ...), with its own imports on top of the project's packages.
 */
class DocsCodeBlocksTest {
  private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

  /** What the docs' fragments take as given. */
  private static final String GIVEN = String.join(", ",
      "org.apache.spark.sql.SparkSession spark",
      "org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df",
      "org.apache.flink.streaming.api.environment.StreamExecutionEnvironment env",
      "org.apache.flink.table.api.bridge.java.StreamTableEnvironment tEnv",
      "DataStream<String> texts",
      "DataStream<Row> rows",
      "org.apache.flink.api.java.typeutils.RowTypeInfo rowTypeInfo",
      "DataStream<Doc> docs",
      "EmbeddingMapFunction.TextExtractor<Row> extractor",
      "EmbeddingMapFunction.Combiner<Row, Row> combiner",
      "org.apache.flink.api.common.typeinfo.TypeInformation<Row> outputTypeInformation",
      "float[][] table",
      "String tokenizerJson",
      "java.util.Map<String, String> conf",
      "String folder");

  private static final String IMPORTS = String.join("\n",
      "import io.model2vec.*;",
      "import io.model2vec.distill.*;",
      "import io.model2vec.flink.*;",
      "import io.model2vec.spark.*;",
      "import java.nio.file.Path;",
      "import org.apache.flink.streaming.api.datastream.DataStream;",
      "import org.apache.flink.types.Row;");

  @TempDir
  Path out;

  @Test
  void everyJavaBlockOfTheDocsCompiles() throws IOException {
    Path repo = Paths.get("..").toAbsolutePath().normalize();
    List<Path> docs = new ArrayList<>(List.of(repo.resolve("README.md")));
    try (Stream<Path> s = Files.list(repo.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    List<JavaFileObject> units = new ArrayList<>();
    for (Path doc : docs) {
      Matcher m = BLOCK.matcher(Files.readString(doc, StandardCharsets.UTF_8));
      for (int i = 0; m.find(); i++) {
        String name = "Snippet_" + doc.getFileName().toString().replaceAll("\\W", "_") + "_" + i;
        units.add(unit(name, m.group(1), doc + " java block " + (i + 1)));
      }
    }
    assertThat(units).as("java blocks in README.md and docs/").hasSizeGreaterThanOrEqualTo(5);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter errors = new StringWriter();
    boolean ok = javac.getTask(errors, null, null, List.of("-proc:none", "-d", out.toString(),
        "-classpath", System.getProperty("java.class.path")), null, units).call();
    assertThat(ok).as("the docs' java blocks compile:%n%s", errors).isTrue();
  }

  /** The block as a class: its imports, then the rest as the body of a method. */
  private static JavaFileObject unit(String name, String block, String where) {
    StringBuilder imports = new StringBuilder(IMPORTS).append('\n');
    StringBuilder body = new StringBuilder();
    for (String line : block.split("\n", -1)) {
      (line.startsWith("import ") ? imports : body).append(line).append('\n');
    }
    String source = "// " + where + "\n" + imports
        + "class " + name + " {\n"
        + "  static class Doc { public String body; public float[] vector; }\n"
        + "  @SuppressWarnings(\"unused\")\n"
        + "  void snippet(" + GIVEN + ") throws Exception {\n" + body + "\n  }\n}\n";
    return new SimpleJavaFileObject(URI.create("string:///" + name + ".java"),
        JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
  }
}
