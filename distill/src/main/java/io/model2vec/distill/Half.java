package io.model2vec.distill;

/**
 * float -> IEEE 754 binary16 with round-to-nearest-even (what numpy's {@code astype(float16)}
 * does). {@code Float.floatToFloat16} would do it, but only from Java 20; we target 17.
 */
final class Half {
  private Half() {}

  static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    short sign = (short) ((bits & 0x8000_0000) >>> 16);
    if (Float.isNaN(f)) {
      return (short) (sign | 0x7e00);
    }
    float abs = Math.abs(f);
    // 65520 = the largest half (65504) plus half an ulp: from there on, round to infinity.
    if (abs >= 65520f) {
      return (short) (sign | 0x7c00);
    }
    // At most half the smallest subnormal (2^-24): rounds to (signed) zero, ties to even.
    if (abs <= 0x1.0p-25f) {
      return sign;
    }
    int exp = Math.getExponent(f);
    int expDelta = 0;
    int msb = 0;
    if (exp < -14) { // subnormal half: shift the implicit bit in
      expDelta = -14 - exp;
      exp = -15;
      msb = 0x0080_0000;
    }
    int signif = bits & 0x007f_ffff | msb;
    int half = signif >> (13 + expDelta);
    int lsb = signif & (1 << (13 + expDelta));
    int round = signif & (1 << (12 + expDelta));
    int sticky = signif & ((1 << (12 + expDelta)) - 1);
    if (round != 0 && (lsb | sticky) != 0) {
      half++; // a carry into the exponent is the correct result
    }
    return (short) (sign | (((exp + 15) << 10) + half));
  }

  /** binary16 -> float, exactly (every half is a float). */
  static float toFloat(short h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f80_0000 | (mant << 13));
    }
    if (exp == 0) { // zero or subnormal: mant * 2^-24
      float v = mant * 0x1.0p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }
}
