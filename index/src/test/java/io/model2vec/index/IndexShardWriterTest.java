package io.model2vec.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shard writer's indexing buffer: sized from the heap, or set, and checked. */
class IndexShardWriterTest {
  private static final String PROPERTY = "model2vec.index.ram-buffer-mb";

  @TempDir
  Path tmp;

  @AfterEach
  void clear() {
    System.clearProperty(PROPERTY);
  }

  @Test
  void theBufferIsAThirdOfTheHeapPerCoreWithinLucenesLimits() {
    long perWriter = Runtime.getRuntime().maxMemory()
        / (3L * Runtime.getRuntime().availableProcessors()) / (1024 * 1024);
    assertThat(IndexShardWriter.ramBufferMb())
        .isEqualTo((int) Math.max(256, Math.min(1945, perWriter)));
  }

  @Test
  void theBufferCanBeSetAndABadValueIsNamed() {
    System.setProperty(PROPERTY, "64");
    assertThat(IndexShardWriter.ramBufferMb()).isEqualTo(64);
    System.setProperty(PROPERTY, "0");
    assertThatThrownBy(() -> IndexShardWriter.create(tmp.resolve("s"), 8, Quantization.NONE,
        List.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("system property model2vec.index.ram-buffer-mb must be a whole number of MB "
            + "from 1 to 1945 (Lucene's limit per writing thread), was '0'");
  }
}
