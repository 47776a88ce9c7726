package io.model2vec.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.model2vec.Model2VecException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * featurize on a small corpus with the real teacher (bge-small-en-v1.5): its targets against the
 * teacher's token states computed here one passage at a time (no batching, no padding, the
 * tokenizer's own special tokens), and resumption after interruptions and corrupted tails.
 */
class FeaturizerTest {
  private static final String TEACHER = "bge-small-en-v1.5";
  private static final int MAX_TOKENS = 16;
  private static final Supplier<Teacher> TEACHERS = () -> Teacher.fromClasspath(TEACHER, 1);

  @TempDir
  static Path tmp;
  static Path corpus;
  /** The passages: line -> text, null for lines without a row. */
  static final List<String> TEXTS = new ArrayList<>();
  static byte[] uninterrupted;

  @BeforeAll
  static void writeCorpus() throws IOException {
    StringBuilder b = new StringBuilder();
    String[] words = ("the quick brown fox jumps over a lazy dog while distant thunder rolls "
        + "across wide valleys and rivers glitter under pale winter light").split(" ");
    for (int i = 0; i < 37; i++) {
      if (i == 5) {
        b.append("\n"); // blank line: no row
        TEXTS.add(null);
        continue;
      }
      if (i == 9) {
        b.append("{\"text\": \"   \"}\n"); // empty text: no row
        TEXTS.add(null);
        continue;
      }
      // lengths from 1 to 40 words: some cut at MAX_TOKENS, so batches mix lengths
      StringBuilder t = new StringBuilder();
      for (int w = 0; w <= (i * 7) % 40; w++) {
        t.append(w == 0 ? "" : " ").append(words[(i + w * 3) % words.length]);
      }
      if (i % 4 == 0) {
        t.append(" Don't stop: \u00e9l\u00e8ve #").append(i).append('!');
      }
      TEXTS.add(t.toString());
      b.append("{\"id\": ").append(i).append(", \"text\": \"").append(t).append("\"}\n");
    }
    corpus = tmp.resolve("corpus.jsonl");
    Files.writeString(corpus, b.toString());
    Path out = tmp.resolve("full");
    Featurizer.Result r = featurizer().build().run(TEACHERS, corpus, out);
    assertThat(r.complete()).isTrue();
    assertThat(r.lines).isEqualTo(37);
    assertThat(r.newRows).isEqualTo(35);
    uninterrupted = Files.readAllBytes(out.resolve(Featurizer.FEATURES));
  }

  static Featurizer.Builder featurizer() {
    return Featurizer.builder().maxTokens(MAX_TOKENS).batchSize(3).chunkSize(8).threads(2);
  }

  @Test
  void targetsAreTheTeachersMeanTokenStatesWithoutSpecialTokens() throws Exception {
    List<FeatureFile.Row> rows = FeatureFile.read(tmp.resolve("full").resolve("features.bin"));
    List<Integer> expectedLines = new ArrayList<>();
    for (int i = 0; i < TEXTS.size(); i++) {
      if (TEXTS.get(i) != null) {
        expectedLines.add(i);
      }
    }
    assertThat(rows).extracting(r -> r.line).containsExactlyElementsOf(expectedLines);
    ClassLoader cl = getClass().getClassLoader();
    String tokJson;
    byte[] onnx;
    try (InputStream t = cl.getResourceAsStream(TEACHER + "-tokenizer.json");
        InputStream m = cl.getResourceAsStream(TEACHER + ".onnx")) {
      tokJson = new String(t.readAllBytes(), StandardCharsets.UTF_8);
      onnx = m.readAllBytes();
    }
    // the HuggingFace library itself, independently of the teacher (which tokenizes in Java)
    ai.djl.huggingface.tokenizers.jni.LibUtils.checkStatus();
    TokenizersLibrary lib = TokenizersLibrary.LIB;
    long tok = lib.createTokenizerFromString(tokJson);
    lib.disableTruncation(tok);
    lib.disablePadding(tok);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions())) {
      for (FeatureFile.Row row : rows) {
        assertThat(row.text).isEqualTo(TEXTS.get(row.line));
        long enc = lib.encode(tok, row.text, true); // [CLS] ... [SEP] by the tokenizer itself
        long[] full = lib.getTokenIds(enc);
        lib.deleteEncoding(enc);
        assertThat(full[0]).isEqualTo(101L);
        assertThat(full[full.length - 1]).isEqualTo(102L);
        if (full.length > MAX_TOKENS) { // keep [CLS], the first tokens and [SEP]
          long[] cut = Arrays.copyOf(full, MAX_TOKENS);
          cut[MAX_TOKENS - 1] = 102L;
          full = cut;
        }
        float[] expected = meanOfInnerStates(env, session, full);
        assertThat(row.vector).hasSize(384);
        double err = 0;
        double norm = 0;
        for (int j = 0; j < expected.length; j++) {
          err = Math.max(err, Math.abs(row.vector[j] - expected[j]));
          norm = Math.max(norm, Math.abs(expected[j]));
        }
        assertThat(err).as("line %d: max |diff| vs max |x| = %f", row.line, norm)
            .isLessThan(1e-4 * Math.max(1, norm));
      }
    } finally {
      lib.deleteTokenizer(tok);
    }
  }

  private static float[] meanOfInnerStates(OrtEnvironment env, OrtSession session, long[] ids)
      throws Exception {
    long[] shape = {1, ids.length};
    long[] mask = new long[ids.length];
    Arrays.fill(mask, 1L);
    try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
        OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
        OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape);
        OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", m,
            "token_type_ids", t))) {
      FloatBuffer states = ((OnnxTensor) r.get("last_hidden_state").orElseThrow())
          .getFloatBuffer();
      int hidden = states.remaining() / ids.length;
      float[] mean = new float[hidden];
      for (int p = 1; p < ids.length - 1; p++) {
        for (int j = 0; j < hidden; j++) {
          mean[j] += states.get(p * hidden + j) / (ids.length - 2);
        }
      }
      return mean;
    }
  }

  @Test
  void aRunStoppedAndResumedWritesTheSameFile() throws IOException {
    Path out = tmp.resolve("stopped");
    Featurizer.Result first = featurizer().stopAfterChunks(2).build().run(TEACHERS, corpus, out);
    assertThat(first.complete()).isFalse();
    assertThat(first.lines).isEqualTo(16);
    Featurizer.Result second = featurizer().stopAfterChunks(1).build().run(TEACHERS, corpus, out);
    assertThat(second.resumedLines).isEqualTo(16);
    assertThat(second.lines).isEqualTo(24);
    Featurizer.Result rest = featurizer().build().run(TEACHERS, corpus, out);
    assertThat(rest.resumedLines).isEqualTo(24);
    assertThat(rest.complete()).isTrue();
    assertThat(rest.droppedTail).isZero();
    assertThat(Files.readAllBytes(out.resolve(Featurizer.FEATURES))).isEqualTo(uninterrupted);
  }

  @Test
  void aPartialChunkLeftByAKilledRunIsDroppedAndComputedAgain() throws IOException {
    Path out = tmp.resolve("killed");
    featurizer().stopAfterChunks(3).build().run(TEACHERS, corpus, out);
    Path file = out.resolve(Featurizer.FEATURES);
    long size = Files.size(file);
    // the start of the next chunk, as a write cut short would leave it
    byte[] next = Arrays.copyOfRange(uninterrupted, (int) size, (int) size + 500);
    Files.write(file, next, StandardOpenOption.APPEND);
    Featurizer.Result r = featurizer().build().run(TEACHERS, corpus, out);
    assertThat(r.droppedTail).isEqualTo(500);
    assertThat(r.resumedLines).isEqualTo(24);
    assertThat(Files.readAllBytes(file)).isEqualTo(uninterrupted);
  }

  @Test
  void aCorruptedLastChunkIsDetectedByItsChecksumAndComputedAgain() throws IOException {
    Path out = tmp.resolve("corrupted");
    Files.createDirectories(out);
    Files.copy(tmp.resolve("full").resolve(Featurizer.META), out.resolve(Featurizer.META));
    byte[] bad = uninterrupted.clone();
    bad[bad.length - 7] ^= 0x40; // a bit of the last vector
    Files.write(out.resolve(Featurizer.FEATURES), bad);
    FeatureFile.Scan s = FeatureFile.scan(out.resolve(Featurizer.FEATURES), null);
    assertThat(s.lines).isEqualTo(32);
    assertThatThrownBy(() -> FeatureFile.read(out.resolve(Featurizer.FEATURES)))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("not a complete chunk");
    Featurizer.Result r = featurizer().build().run(TEACHERS, corpus, out);
    assertThat(r.resumedLines).isEqualTo(32);
    assertThat(r.droppedTail).isPositive();
    assertThat(Files.readAllBytes(out.resolve(Featurizer.FEATURES))).isEqualTo(uninterrupted);
  }

  @Test
  void resumingWithOtherSettingsOrAnotherCorpusIsRefused() throws IOException {
    Path out = tmp.resolve("settings");
    featurizer().stopAfterChunks(1).build().run(TEACHERS, corpus, out);
    assertThatThrownBy(() -> featurizer().maxTokens(32).build().run(TEACHERS, corpus, out))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining("meta.json has max_tokens = 16, this run has 32");
    Path other = tmp.resolve("other.jsonl");
    Files.writeString(other, Files.readString(corpus) + "{\"text\": \"one more\"}\n");
    assertThatThrownBy(() -> featurizer().build().run(TEACHERS, other, out))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("corpus_sha256");
  }

  @Test
  void aBadLineIsNamed() throws IOException {
    Path bad = tmp.resolve("bad.jsonl");
    Files.writeString(bad, "{\"text\": \"fine\"}\n{\"body\": \"no text\"}\n");
    assertThatThrownBy(() -> featurizer().build().run(TEACHERS, bad, tmp.resolve("bad")))
        .isInstanceOf(Model2VecException.class)
        .hasMessage(bad + " line 2 has no string field \"text\"");
    Path notJson = tmp.resolve("notjson.jsonl");
    Files.writeString(notJson, "{\"text\": \"fine\"}\n{\"text\": \"cut\n");
    assertThatThrownBy(() -> featurizer().build().run(TEACHERS, notJson, tmp.resolve("nj")))
        .isInstanceOf(Model2VecException.class)
        .hasMessageStartingWith(notJson + " line 2 is not valid JSON");
  }

  @Test
  void aFileThatIsNotAFeatureFileIsNamed() throws IOException {
    Path f = tmp.resolve("junk.bin");
    Files.writeString(f, "hello, this is not it");
    assertThatThrownBy(() -> FeatureFile.read(f)).isInstanceOf(Model2VecException.class)
        .hasMessage(f + " is not a feature file: it does not start with M2VFEAT1");
  }
}
