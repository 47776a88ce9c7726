package io.model2vec;

/**
 * The element types of safetensors files, with their widths and numpy names: one enum for what
 * the core reads and what {@link ModelWriter} writes. Tables are read as F32, F16, BF16, F64 or
 * I8 and written as F32, F16 or I8.
 */
public enum DType {
  F64(8, "float64"), F32(4, "float32"), F16(2, "float16"), BF16(2, "bfloat16"),
  I64(8, "int64"), I32(4, "int32"), I16(2, "int16"), I8(1, "int8"), U8(1, "uint8"),
  BOOL(1, "bool");

  private final int bytes;
  private final String numpyName;

  DType(int bytes, String numpyName) {
    this.bytes = bytes;
    this.numpyName = numpyName;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** The numpy name ({@code float16}), as config.json's {@code embedding_dtype} holds it. */
  public String numpyName() {
    return numpyName;
  }

  /** {@code f16}, {@code float16} or {@code F16} (any case) to {@link #F16}, and so on. */
  public static DType parse(String s) {
    for (DType t : values()) {
      if (t.name().equalsIgnoreCase(s) || t.numpyName.equalsIgnoreCase(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException("dtype must be one of f32|float32, f16|float16, i8|int8 "
        + "(or another safetensors dtype), was '" + s + "'");
  }
}
