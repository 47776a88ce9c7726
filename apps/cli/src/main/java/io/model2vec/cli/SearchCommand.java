package io.model2vec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.model2vec.app.CliFailure;
import io.model2vec.app.LineReader;
import io.model2vec.app.Progress;
import io.model2vec.app.ProgressOptions;
import io.model2vec.index.VectorIndex;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code model2vec search}: the nearest rows of an index (built by {@code bin/spark-index}) for
 * one or many queries, embedded with the index's own model.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
    description = {
        "Finds the k nearest rows of an index folder (as bin/spark-index writes it) for each "
            + "query, embedded with the model the index was built with. An IVF index (the "
            + "default) scans the --nprobe lists nearest the query (default: the index's own) "
            + "and rescores the best candidates exactly; an index of HNSW shards (--hnsw) walks "
            + "every shard's graph in parallel. --exact compares the query with every row "
            + "instead.",
        "Queries: --query (repeatable), or --input, a JSONL file (or - for standard input) with "
            + "one object per line holding the query text in --text-field. Output: text (a block "
            + "per query: rank, score, id, the text's first line, then the stored columns as "
            + "name=value), or jsonl: one object per query, "
            + "{\"query\": ..., \"hits\": [{\"id\", \"score\", \"text\", stored columns...}]} "
            + "(an input line's \"id\" is kept as \"query_id\"). Scores are cosine similarities.",
        "With --input, on a terminal a progress line (queries, rate, time left) is redrawn on "
            + "standard error and a summary (queries, seconds, queries/s) follows there (none "
            + "with --quiet)."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:success",
        "1:a bad index folder (naming the file), a bad query line (with its line number)",
        "2:usage error",
        "141:standard output closed by its reader"})
final class SearchCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Option(names = "--index", paramLabel = "DIR", required = true,
      description = "Index folder (local path).")
  Path index;

  @Option(names = "--query", paramLabel = "TEXT", description = "A query text (repeatable).")
  List<String> queries;

  @Option(names = "--input", paramLabel = "F",
      description = "JSONL file of queries, one object per line (- for standard input).")
  String input;

  // no defaultValue: picocli would apply it after the hidden --field below has set the field
  @Option(names = "--text-field", paramLabel = "NAME",
      description = "JSONL field holding the query text (default: ${DEFAULT-VALUE}).")
  String field = "text";

  // The older name, still accepted; hidden so that --help shows the one name the README uses.
  @Option(names = "--field", paramLabel = "NAME", hidden = true)
  void field(String name) {
    field = name;
  }

  @Option(names = "-k", paramLabel = "N", defaultValue = "10",
      description = "Neighbours per query (default: ${DEFAULT-VALUE}; at most the index's rows).")
  int k;

  @Option(names = "--format", paramLabel = "text|jsonl", defaultValue = "text",
      description = "Output format (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--exact", description = "Compare with every row (exact) instead of HNSW.")
  boolean exact;

  @Option(names = "--nprobe", paramLabel = "N",
      description = "IVF index: lists probed (default: the index's; more, better recall, slower).")
  Integer nprobe;

  // --quiet
  @Mixin
  ProgressOptions progressOptions;

  enum Format { text, jsonl }

  @Override
  public Integer call() throws IOException {
    if ((queries == null) == (input == null)) {
      throw new ParameterException(spec.commandLine(),
          "give either --query (one or more) or --input, not " + (queries == null ? "neither" : "both"));
    }
    if (k < 1) {
      throw new ParameterException(spec.commandLine(), "-k must be >= 1, was " + k);
    }
    if (queries != null) {
      for (String q : queries) {
        if (q.isBlank()) {
          throw new ParameterException(spec.commandLine(),
              "--query must not be empty: an empty query has no nearest rows");
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    try (VectorIndex idx = openIndex()) {
      if (queries != null) {
        for (String q : queries) {
          print(out, idx, q, null);
        }
      } else {
        Progress progress = progressOptions.progress(spec, "queries");
        Path file = "-".equals(input) ? null : Path.of(input);
        try (InputStream in = progress.reading(file == null ? System.in
            : Files.newInputStream(file), Progress.sizeOf(file))) {
          searchAll(out, idx, new LineReader(in, 64 << 20), progress);
        } catch (NoSuchFileException e) {
          throw new CliFailure("--input " + input + ": no such file");
        } catch (RuntimeException | IOException e) {
          progress.clearLine(); // the error's line starts at the left margin
          throw e;
        }
        progress.finish(progress.done() + " queries, k=" + k);
      }
    }
    out.flush();
    if (out.checkError()) {
      throw CliFailure.stdoutClosed();
    }
    return 0;
  }

  private void searchAll(PrintWriter out, VectorIndex idx, LineReader lines, Progress progress)
      throws IOException {
    while (lines.next()) {
      String raw;
      try {
        raw = lines.decode();
      } catch (IllegalArgumentException e) {
        throw new CliFailure(input + " line " + lines.number() + ": " + e.getMessage());
      }
      if (raw.isBlank()) {
        continue;
      }
      JsonNode row;
      try {
        row = JSON.readTree(raw);
      } catch (IOException e) {
        throw new CliFailure(input + " line " + lines.number() + ": not a JSON object");
      }
      JsonNode text = row == null ? null : row.get(field);
      if (row == null || !row.isObject() || text == null || !text.isTextual()) {
        throw new CliFailure(input + " line " + lines.number() + ": no string field '"
            + field + "'");
      }
      if (text.asText().isBlank()) {
        throw new CliFailure(input + " line " + lines.number() + ": the query in '" + field
            + "' is empty");
      }
      print(out, idx, text.asText(), row.get("id"));
      progress.add(1);
    }
  }

  private VectorIndex openIndex() {
    try {
      return VectorIndex.open(index);
    } catch (RuntimeException e) {
      throw new CliFailure("--index: " + e.getMessage());
    }
  }

  private void print(PrintWriter out, VectorIndex idx, String query, JsonNode queryId)
      throws IOException {
    List<VectorIndex.Hit> hits = exact ? idx.exactSearch(query, k)
        : nprobe != null && idx.nprobe() > 0 ? idx.probe(idx.embed(query), k, nprobe)
        : idx.search(query, k);
    if (format == Format.jsonl) {
      ObjectNode o = JSON.createObjectNode();
      if (queryId != null) {
        o.set("query_id", queryId);
      }
      o.put("query", query);
      ArrayNode a = o.putArray("hits");
      for (VectorIndex.Hit h : hits) {
        ObjectNode hit = a.addObject().put("id", h.id()).put("score", h.score()).put("text", h.text());
        for (Map.Entry<String, String> f : h.fields().entrySet()) {
          hit.put(f.getKey(), f.getValue());
        }
      }
      out.println(JSON.writeValueAsString(o));
    } else {
      out.println("query: " + firstLine(query));
      int rank = 1;
      for (VectorIndex.Hit h : hits) {
        out.printf(java.util.Locale.ROOT, "%3d  %.4f  %s  %s%n", rank++, h.score(), h.id(),
            firstLine(h.text()));
        if (!h.fields().isEmpty()) {
          // the stored columns, as jsonl shows them: one indented line under the hit
          StringBuilder cols = new StringBuilder("     ");
          for (Map.Entry<String, String> f : h.fields().entrySet()) {
            cols.append("  ").append(f.getKey()).append('=').append(firstLine(f.getValue()));
          }
          out.println(cols);
        }
      }
      out.println();
    }
    // one query at a time: a reader that went away (| head) ends the run at the next query.
    // System.out itself is checked too: the PrintWriter over it does not see its write errors.
    out.flush();
    if (out.checkError() || System.out.checkError()) {
      throw CliFailure.stdoutClosed();
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    t = nl < 0 ? t : t.substring(0, nl) + " ...";
    return t.length() > 120 ? t.substring(0, 117) + "..." : t;
  }
}
