package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedModelsTest {
  @TempDir
  Path tmp;

  @AfterEach
  void reset() {
    System.clearProperty(SharedModels.IDLE_SECONDS_PROPERTY);
    SharedModels.dropIdle();
  }

  @Test
  void optionsAreTheKeyAndEveryHolderGetsTheSameInstance() {
    String ref = Fixtures.model("test-model-vocab-quantized").toString();
    StaticModel a = StaticModel.shared(ref, LoadOptions.defaults());
    StaticModel b = ModelReference.of(ref).shared();
    StaticModel c = StaticModel.shared(ref, LoadOptions.builder().dimensions(4).build());
    assertThat(a).isSameAs(b);
    assertThat(c).isNotSameAs(a);
    assertThat(c.dimension()).isEqualTo(4);
  }

  @Test
  void closingASharedModelDoesNotBreakItsOtherHolders() {
    String ref = Fixtures.model("test-model-float32").toString();
    StaticModel mine = StaticModel.shared(ref, LoadOptions.defaults());
    StaticModel theirs = StaticModel.shared(ref, LoadOptions.defaults());
    mine.close();
    mine.close();
    assertThat(theirs.encode("hello world")).hasSize(2);

    // a model of one's own is closed for real
    StaticModel own = StaticModel.load(Fixtures.model("test-model-float32"));
    own.close();
    assertThatThrownBy(() -> own.encode("closed")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void idleModelsStayForTheKeepAliveAndGoWithTheirLastHolderAfterIt() {
    // a folder no other test loads (other options of a loaded folder are views of that load)
    String ref = Fixtures.modelCopy("test-model-vocab-quantized", tmp.resolve("idle")).toString();
    LoadOptions options = LoadOptions.builder().dimensions(3).build();
    long before = StaticModel.loadCount();
    // the loaded table and tokenizer: what the keep-alive keeps (a view of them costs nothing)
    WeakReference<LoadedModel> first =
        new WeakReference<>(StaticModel.shared(ref, options).loaded());
    collectGarbage();
    assertThat(StaticModel.shared(ref, options).loaded()).as("kept alive between tasks")
        .isSameAs(first.get());
    assertThat(StaticModel.loadCount() - before).isEqualTo(1);

    System.setProperty(SharedModels.IDLE_SECONDS_PROPERTY, "0");
    SharedModels.dropIdle();
    collectGarbage();
    assertThat(first.get()).as("no holder and no keep-alive: unloaded").isNull();
    StaticModel second = StaticModel.shared(ref, options);
    assertThat(StaticModel.loadCount() - before).isEqualTo(2);
    // held by someone: still one instance without any keep-alive
    collectGarbage();
    assertThat(StaticModel.shared(ref, options)).isSameAs(second);
    assertThat(StaticModel.loadCount() - before).isEqualTo(2);
  }

  @Test
  void aFailedLoadDoesNotPoisonTheCache() throws Exception {
    Path folder = tmp.resolve("model");
    String ref = folder.toString();
    Files.createDirectories(folder);
    assertThatThrownBy(() -> StaticModel.shared(ref, LoadOptions.defaults()))
        .isInstanceOf(Model2VecException.class);
    for (String f : new String[] {"model.safetensors", "tokenizer.json", "config.json"}) {
      Files.copy(Fixtures.model("test-model-float32").resolve(f), folder.resolve(f));
    }
    assertThat(StaticModel.shared(ref, LoadOptions.defaults()).dimension()).isEqualTo(2);
  }

  @Test
  void aShippedReferenceLoadsThisJvmsCopy() {
    Path copy = Fixtures.model("test-model-float32");
    ModelReference shipped = ModelReference.of("/driver/only/path").shippedAs("m2v-1");
    assertThat(shipped.shared(name -> name.equals("m2v-1") ? copy : null).dimension()).isEqualTo(2);
    assertThatThrownBy(() -> shipped.shared(name -> null))
        .isInstanceOf(Model2VecException.class).hasMessageContaining("shipped as 'm2v-1'");
  }

  @Test
  void twoFoldersShippedUnderOneNameAreTwoModels() {
    ModelReference shipped = ModelReference.of("/driver/path").shippedAs("m2v-same-name");
    StaticModel a = shipped.shared(name -> Fixtures.model("test-model-float32"));
    StaticModel b = shipped.shared(name -> Fixtures.model("test-model-vocab-quantized"));
    assertThat(b).isNotSameAs(a);
    assertThat(b.dimension()).isNotEqualTo(a.dimension());
    // another path of the same content is the same model
    assertThat(shipped.shared(name -> Fixtures.model("test-model-float32").toAbsolutePath()
        .resolve("../test-model-float32"))).isSameAs(a);
  }

  @Test
  void aReferenceTravelsAsStringsAndBack() {
    ModelReference r = ModelReference.of("/models/potion", LoadOptions.builder().normalize(false)
        .noMaxLength().dimensions(64).revision("refs/pr/1").subfolder("sub").build());
    Map<String, String> m = r.toMap();
    assertThat(m).containsEntry("model", "/models/potion").containsEntry("max-length", "none")
        .containsEntry("normalize", "false").containsEntry("dimensions", "64");
    assertThat(ModelReference.parse("", m::get)).isEqualTo(r);
    assertThat(ModelReference.parse("x.", k -> null)).isEqualTo(ModelReference.defaultModel());
  }

  private static void collectGarbage() {
    for (int i = 0; i < 5; i++) {
      System.gc();
      SharedModels.size(); // lets the cache drop collected entries
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
