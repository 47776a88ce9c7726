package io.model2vec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HalfTest {
  @Test
  void halfRoundTripsEveryHalfAndRoundsToNearestEven() {
    for (int h = 0; h < 0x10000; h++) {
      short bits = (short) h;
      float f = Half.toFloat(bits);
      if (Float.isNaN(f)) {
        assertThat(Float.isNaN(Half.toFloat(Half.fromFloat(f)))).isTrue();
        continue;
      }
      assertThat(Half.fromFloat(f)).as("half %04x", h).isEqualTo(bits);
    }
    // Halfway between 1 and the next half (1 + 2^-10): ties to even (1.0); a bit above rounds up.
    assertThat(Half.toFloat(Half.fromFloat(1f + 0x1.0p-11f))).isEqualTo(1f);
    assertThat(Half.toFloat(Half.fromFloat(1f + 0x1.0p-11f + 0x1.0p-20f)))
        .isEqualTo(1f + 0x1.0p-10f);
    assertThat(Half.toFloat(Half.fromFloat(70000f))).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(Half.toFloat(Half.fromFloat(1e-9f))).isEqualTo(0f);
    Random rnd = new Random(3);
    for (int i = 0; i < 100_000; i++) {
      float f = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(8) - 4));
      float r = Half.toFloat(Half.fromFloat(f));
      float ulp = Math.max(Math.ulp(r) * 8192f, 0x1.0p-24f); // half ulp ~ float ulp * 2^13
      assertThat(Math.abs(r - f)).as("%s -> %s", f, r).isLessThanOrEqualTo(ulp / 2 * 1.0001f);
    }
  }

}
