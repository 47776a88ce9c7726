package io.model2vec;

import static io.model2vec.Fixtures.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ForkJoinPool;
import io.model2vec.tokenizer.IdBuffer;
import io.model2vec.tokenizer.NativeTokenizer;
import io.model2vec.tokenizer.TokenIdParityTest;
import io.model2vec.tokenizer.TokenizerInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC step 3 for Unigram models: the {@code unk_id} is dropped, as the reference does since
 * 2026-08 ("fix: unk token for unigrams"; model2vec-rs since 2026-09). Checked on the
 * vocabulary-quantized fixture against an independent re-computation of the reference's formula
 * (F32 rows through {@code mapping}, times F64 {@code weights}, mean and norm in double), for
 * the Java and the native tokenizer alike.
 */
class UnigramUnknownTokenTest {
  private static final String MODEL = "test-model-vocab-quantized";
  /** The fixture's {@code unk_id}: {@code [UNK]}. */
  private static final int UNK = 1;
  private static final List<String> TEXTS = List.of("hello \ud83d\ude00 world",
      "caf\u00e9 \u6771\u4eac \uff21\uff22\uff23 \u0916\u0940", "\ud83d\ude00\ud83d\ude01 x",
      "\ud83d\ude00", "only known words here", "[UNK] between [PAD] tokens", "");

  @BeforeAll
  static void noTelemetry() {
    System.setProperty("OPT_OUT_TRACKING", "true");
  }

  @Test
  void unknownIdIsTheUnigramUnkId() throws Exception {
    String json = Files.readString(Fixtures.model(MODEL).resolve("tokenizer.json"));
    assertThat(TokenizerInfo.parse(json, MODEL).unkId).isEqualTo(UNK);
  }

  @Test
  void aNullUnkIdDropsNothingAndABadOneIsRejected() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(
            Files.readString(Fixtures.model(MODEL).resolve("tokenizer.json")));
    com.fasterxml.jackson.databind.node.ObjectNode model =
        (com.fasterxml.jackson.databind.node.ObjectNode) root.get("model");
    model.putNull("unk_id");
    assertThat(TokenizerInfo.parse(json.writeValueAsString(root), "edited").unkId).isEqualTo(-1);
    model.put("unk_id", 29524);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenizerInfo.parse(
        json.writeValueAsString(root), "edited/tokenizer.json"))
        .isInstanceOf(Model2VecException.class)
        .hasMessageContaining("edited/tokenizer.json").hasMessageContaining("model.unk_id 29524");
  }

  @Test
  void unknownTokensAreDroppedFromEveryOutput() throws Exception {
    for (String impl : new String[] {"native", "auto"}) {
      try (StaticModel m = load(impl);
          NativeTokenizer raw = new NativeTokenizer(
              Files.readString(Fixtures.model(MODEL).resolve("tokenizer.json")), MODEL)) {
        Reference ref = new Reference(Fixtures.model(MODEL));
        IdBuffer buf = new IdBuffer(16);
        long unknownSeen = 0;
        StaticModel.TokenCounter counter = new StaticModel.TokenCounter();
        float[] out = new float[m.dimension()];
        for (String t : TEXTS) {
          raw.encode(t, buf);
          int[] all = buf.toArray();
          int[] known = Arrays.stream(all).filter(id -> id != UNK).toArray();
          unknownSeen += all.length - known.length;
          assertThat(m.tokenize(t)).as("%s ids of %s", impl, t).containsExactly(known);
          assertThat(m.encodeAsSequence(t).length).as("%s sequence of %s", impl, t).isEqualTo(known.length);
          assertClose(m.encode(t), ref.encode(known), 1e-5, impl + " vector of " + t);
          m.encodeInto(t, out, 0, counter);
        }
        // the texts do hold unknown characters: otherwise this test could not fail
        assertThat(unknownSeen).isGreaterThanOrEqualTo(5);
        assertThat(counter.unknown()).isEqualTo(unknownSeen);
        assertThat(counter.texts()).isEqualTo(TEXTS.size());
        // a text of unknown characters only is the zero vector
        assertThat(m.encode("\ud83d\ude00")).containsOnly(0f);
      }
    }
  }

  @Test
  void javaAndNativeTokenizersGiveTheSameVectors() {
    List<String> texts = new java.util.ArrayList<>(MultilingualTexts.generate(3000, 41));
    texts.addAll(ParityTexts.generate(2000, 42));
    texts.add("hello ".repeat(1000).trim());
    try (StaticModel java = load("auto"); StaticModel nat = load("native")) {
      assertThat(java.tokenizerImplementation()).isEqualTo("java-unigram");
      assertThat(nat.tokenizerImplementation()).isEqualTo("native");
      float[][] a = java.encode(texts, ForkJoinPool.commonPool(), 2);
      for (int i = 0; i < texts.size(); i++) {
        assertThat(a[i]).as("vector of %s", TokenIdParityTest.escape(texts.get(i)))
            .containsExactly(nat.encode(texts.get(i)));
      }
    }
  }

  private static StaticModel load(String impl) {
    System.setProperty("model2vec.tokenizer", impl);
    try {
      return StaticModel.load(Fixtures.model(MODEL));
    } finally {
      System.clearProperty("model2vec.tokenizer");
    }
  }

  /** Python's formula, written out: mean over ids of embeddings[mapping[id]] * weights[id]. */
  static final class Reference {
    final float[][] rows;
    final int[] mapping;
    final double[] weights;

    Reference(Path folder) throws Exception {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(folder.resolve("model.safetensors")))
          .order(ByteOrder.LITTLE_ENDIAN);
      SafeTensors st = SafeTensors.parse(b, "fixture");
      SafeTensors.Tensor e = st.get("embeddings");
      assertThat(e.dtype).isEqualTo(DType.F32);
      rows = new float[(int) e.shape[0]][(int) e.shape[1]];
      java.nio.FloatBuffer fb = st.bytes(e).asFloatBuffer();
      for (float[] r : rows) {
        fb.get(r);
      }
      SafeTensors.Tensor m = st.get("mapping");
      mapping = new int[(int) m.shape[0]];
      st.bytes(m).asIntBuffer().get(mapping);
      SafeTensors.Tensor w = st.get("weights");
      weights = new double[(int) w.shape[0]];
      st.bytes(w).asDoubleBuffer().get(weights);
    }

    float[] encode(int[] ids) {
      int dims = rows[0].length;
      float[] out = new float[dims];
      if (ids.length == 0) {
        return out;
      }
      double[] acc = new double[dims];
      for (int id : ids) {
        for (int j = 0; j < dims; j++) {
          acc[j] += rows[mapping[id]][j] * weights[id];
        }
      }
      double norm = 0;
      for (int j = 0; j < dims; j++) {
        acc[j] /= ids.length;
        norm += acc[j] * acc[j];
      }
      norm = Math.sqrt(norm) + 1e-32;
      for (int j = 0; j < dims; j++) {
        out[j] = (float) (acc[j] / norm);
      }
      return out;
    }
  }
}
