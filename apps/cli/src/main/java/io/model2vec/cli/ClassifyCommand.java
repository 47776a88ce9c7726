package io.model2vec.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.model2vec.StaticModelPipeline;
import io.model2vec.app.EnrichedJson;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code model2vec classify}: {@code encode}'s input, output and error modes, with a model2vec
 * classifier pipeline ({@code StaticModelPipeline}) instead of a model, adding its prediction to
 * each row instead of the embedding.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
    description = {
        "Classifies texts with a model2vec classifier pipeline (a folder or hub repo with the "
            + "model's files and pipeline.skops, as Python's StaticModelPipeline.save_pretrained "
            + "writes it; --model names it). Reads JSONL (text in --field) or plain text lines, "
            + "from --input or standard input, and writes JSONL in input order: each input object "
            + "exactly as written with the prediction added as its last fields (old fields of "
            + "those names are dropped):",
        "  classifier: \"label\" (the most probable class) and \"proba\" ({class: probability});",
        "  multilabel head: \"labels\" (every class above --threshold) and \"proba\";",
        "  projector (MLPRegressor): \"output\" ([floats]).",
        "Integer classes are written as numbers. A null or missing text gives null fields. "
            + "Bad lines, --on-error, --rejects, --max-line-bytes and --output as for encode: "
            + "the output file appears whole on success or not at all. A summary (rows in, out, "
            + "rejected) goes to standard error."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:success",
        "1:a bad line (with its line number), a pipeline that cannot be loaded (an unsupported "
            + "head names its class), an unreadable input, an output that cannot be written",
        "2:usage error (bad or conflicting options, no --model)",
        "141:standard output closed by its reader (e.g. | head)"})
final class ClassifyCommand extends EncodeCommand {
  private static final Set<String> FIELDS = Set.of("label", "labels", "proba", "output");

  @Option(names = "--threshold", paramLabel = "P", defaultValue = "0.5",
      description = "Multilabel heads: a class is predicted when its probability is above P "
          + "(default: ${DEFAULT-VALUE}, as model2vec).")
  double threshold;

  @Override
  void checkOptions() {
    if (modelOptions.model() == null) {
      throw new ParameterException(spec.commandLine(), "--model is required: the pipeline's "
          + "folder or hub repo id (model files and pipeline.skops)");
    }
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new ParameterException(spec.commandLine(), "--threshold must be in [0, 1], was "
          + threshold);
    }
    super.checkOptions();
  }

  @Override
  AutoCloseable load() {
    return StaticModelPipeline.load(modelOptions.model(), modelOptions.toLoadOptions())
        .withThreshold(threshold);
  }

  @Override
  EnrichedJson parse(String line) {
    return EnrichedJson.parse(line, field, FIELDS);
  }

  @Override
  void appendRows(AutoCloseable model, List<EnrichedJson> rows, List<String> texts, Writer out,
      StringBuilder row) throws IOException {
    StaticModelPipeline p = (StaticModelPipeline) model;
    float[][] outputs = p.headOf(p.model().encode(texts, workers(), threads));
    for (int i = 0; i < outputs.length; i++) {
      row.setLength(0);
      rows.get(i).appendOpen(row);
      appendPrediction(row, p, outputs[i]);
      row.append("}\n");
      out.append(row);
    }
  }

  /** The prediction's fields for the head's output {@code y} (null: null fields). */
  static void appendPrediction(StringBuilder row, StaticModelPipeline p, float[] y) {
    if (p.isProjector()) {
      row.append("\"output\":");
      floats(row, y);
      return;
    }
    if (p.isMultilabel()) {
      row.append("\"labels\":");
      if (y == null) {
        row.append("null");
      } else {
        row.append('[');
        List<String> labels = p.labels(y);
        for (int j = 0; j < labels.size(); j++) {
          if (j > 0) {
            row.append(',');
          }
          label(row, p, labels.get(j));
        }
        row.append(']');
      }
    } else {
      row.append("\"label\":");
      if (y == null) {
        row.append("null");
      } else {
        label(row, p, p.top(y));
      }
    }
    row.append(",\"proba\":");
    if (y == null) {
      row.append("null");
      return;
    }
    row.append('{');
    List<String> classes = p.classes();
    for (int j = 0; j < y.length; j++) {
      if (j > 0) {
        row.append(',');
      }
      quoted(row, classes.get(j)).append(':');
      number(row, y[j]);
    }
    row.append('}');
  }

  private static void label(StringBuilder row, StaticModelPipeline p, String label) {
    if (p.hasIntegerClasses()) {
      row.append(label);
    } else {
      quoted(row, label);
    }
  }

  private static StringBuilder quoted(StringBuilder row, String s) {
    row.append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, row);
    return row.append('"');
  }

  private static void floats(StringBuilder row, float[] v) {
    if (v == null) {
      row.append("null");
      return;
    }
    row.append('[');
    for (int j = 0; j < v.length; j++) {
      if (j > 0) {
        row.append(',');
      }
      number(row, v[j]);
    }
    row.append(']');
  }

  // As encode writes floats: Float.toString, non-finite values as quoted strings.
  private static void number(StringBuilder row, float x) {
    if (Float.isFinite(x)) {
      row.append(x);
    } else {
      row.append('"').append(x).append('"');
    }
  }
}
