package io.model2vec.examples.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.StaticModel;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code model2vec encode}: JSONL or text lines in, JSONL with an {@code embedding} out, in input
 * order. Streams in batches, so a corpus of any size runs in constant memory.
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
    description = {
        "Embeds texts. Reads JSONL (one object per line, text in --field) or plain text lines, "
            + "from --input or standard input, and writes JSONL in input order to --output or "
            + "standard output: each input object with an added \"embedding\": [floats] "
            + "(text format: {\"text\": ..., \"embedding\": [...]}).",
        "A null or missing field gives \"embedding\": null. A malformed line stops the run with "
            + "its line number (exit code 1)."})
final class EncodeCommand implements Callable<Integer> {
  private static final int BATCH = 2048;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Mixin
  ModelOptions modelOptions;

  @Option(names = "--input", paramLabel = "F", description = "Input file (default: stdin).")
  Path input;

  @Option(names = "--output", paramLabel = "F", description = "Output file (default: stdout).")
  Path output;

  @Option(names = "--field", paramLabel = "NAME", defaultValue = "text",
      description = "JSONL field holding the text (default: ${DEFAULT-VALUE}).")
  String field;

  @Option(names = "--format", paramLabel = "jsonl|text", defaultValue = "jsonl",
      description = "Input format: jsonl or text (one text per line). Default: ${DEFAULT-VALUE}.")
  Format format;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
      description = "Threads encoding each batch (default: ${DEFAULT-VALUE}).")
  int threads;

  enum Format { jsonl, text }

  @Override
  public Integer call() throws IOException {
    if (threads < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--threads must be >= 1, was " + threads);
    }
    try (StaticModel model = modelOptions.load();
        BufferedReader in = input == null
            ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
            : Files.newBufferedReader(input, StandardCharsets.UTF_8);
        Writer out = new BufferedWriter(new OutputStreamWriter(
            output == null ? nonClosing(System.out) : Files.newOutputStream(output),
            StandardCharsets.UTF_8), 1 << 16)) {
      JsonGenerator gen = JSON.getFactory().createGenerator(out);
      gen.setRootValueSeparator(null);
      List<ObjectNode> rows = new ArrayList<>(BATCH);
      List<String> texts = new ArrayList<>(BATCH);
      String line;
      long lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        ObjectNode row;
        String text;
        if (format == Format.text) {
          row = JSON.createObjectNode().put("text", line);
          text = line;
        } else {
          if (line.isBlank()) {
            continue;
          }
          row = parse(line, lineNo);
          text = textOf(row, lineNo);
        }
        rows.add(row);
        texts.add(text);
        if (rows.size() == BATCH) {
          flush(model, rows, texts, gen, out);
        }
      }
      flush(model, rows, texts, gen, out);
      gen.flush();
    }
    return 0;
  }

  private void flush(StaticModel model, List<ObjectNode> rows, List<String> texts,
      JsonGenerator gen, Writer out) throws IOException {
    float[][] vectors = model.encode(texts, threads);
    for (int i = 0; i < rows.size(); i++) {
      EnrichedJson.write(JSON, gen, rows.get(i), vectors[i]);
      gen.flush();
      out.write('\n');
    }
    rows.clear();
    texts.clear();
  }

  private static ObjectNode parse(String line, long lineNo) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("input line " + lineNo + " is not valid JSON: "
          + e.getOriginalMessage());
    }
    if (!(node instanceof ObjectNode)) {
      throw new IllegalArgumentException("input line " + lineNo + " is not a JSON object");
    }
    return (ObjectNode) node;
  }

  private String textOf(ObjectNode row, long lineNo) {
    JsonNode value = row.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("input line " + lineNo + ": field '" + field + "' is "
          + value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)
          + ", expected a string");
    }
    return value.asText();
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }
}
