package io.model2vec.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SentencePiece's compiled character map (the {@code Precompiled} normalizer of a
 * {@code tokenizer.json}): a darts-clone double-array trie over UTF-8 bytes whose leaves point
 * into a blob of NUL-terminated replacement strings.
 *
 * <p>Applied exactly as the HuggingFace library does (spm_precompiled): per extended grapheme
 * cluster, a cluster shorter than 6 UTF-8 bytes is replaced by the value of the SHORTEST key
 * that its bytes start with, if any (so a cluster whose first character alone is a key becomes
 * that character's replacement, and its other characters are dropped); otherwise each character
 * is looked up on its own.
 */
final class PrecompiledCharsmap {
  /** An extended grapheme cluster (UAX #29, the JVM's Unicode version). */
  private static final Pattern GRAPHEME = Pattern.compile("\\X");
  private static final ThreadLocal<Matcher> MATCHER =
      ThreadLocal.withInitial(() -> GRAPHEME.matcher(""));

  private final int[] units;
  private final byte[] blob;
  /** Replacement of each BMP char looked up alone: index into {@link #values}, or -1. */
  private final int[] bmp;
  private final ConcurrentHashMap<Integer, String> values = new ConcurrentHashMap<>();
  private final String[] bmpValues;

  private PrecompiledCharsmap(int[] units, byte[] blob) {
    this.units = units;
    this.blob = blob;
    this.bmp = new int[65536];
    java.util.List<String> vals = new java.util.ArrayList<>();
    java.util.Map<Integer, Integer> index = new java.util.HashMap<>();
    byte[] buf = new byte[4];
    for (int c = 0; c < 65536; c++) {
      bmp[c] = -1;
      if (c >= 0xD800 && c <= 0xDFFF) {
        continue;
      }
      int n = utf8(c, buf, 0);
      int v = search(buf, n);
      if (v >= 0) {
        Integer k = index.get(v);
        if (k == null) {
          k = vals.size();
          index.put(v, k);
          vals.add(value(v));
        }
        bmp[c] = k;
      }
    }
    this.bmpValues = vals.toArray(new String[0]);
  }

  /**
   * Decodes the base64 {@code precompiled_charsmap}; throws {@link IllegalArgumentException} with
   * what is wrong when it is not a well-formed map.
   */
  static PrecompiledCharsmap decode(String base64) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("precompiled_charsmap is not base64: " + e.getMessage());
    }
    if (raw.length < 4) {
      throw new IllegalArgumentException("precompiled_charsmap has " + raw.length
          + " bytes, fewer than its 4-byte header");
    }
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    long trieBytes = b.getInt(0) & 0xFFFFFFFFL;
    if (trieBytes % 4 != 0 || trieBytes == 0 || 4 + trieBytes > raw.length) {
      throw new IllegalArgumentException("precompiled_charsmap declares a trie of " + trieBytes
          + " bytes, which is not a positive multiple of 4 within its " + (raw.length - 4)
          + " bytes");
    }
    int[] units = new int[(int) (trieBytes / 4)];
    for (int i = 0; i < units.length; i++) {
      units[i] = b.getInt(4 + 4 * i);
    }
    byte[] blob = java.util.Arrays.copyOfRange(raw, (int) (4 + trieBytes), raw.length);
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(blob));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("precompiled_charsmap's replacement strings are not "
          + "UTF-8");
    }
    return new PrecompiledCharsmap(units, blob);
  }

  // darts-clone unit layout
  private static boolean hasLeaf(int unit) {
    return ((unit >>> 8) & 1) == 1;
  }

  private static int value(int unit, boolean unused) {
    return unit & 0x7FFFFFFF;
  }

  private static int label(int unit) {
    return unit & (0x80000000 | 0xFF);
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }

  /**
   * The first (shortest) key that {@code key[0..n)} starts with: its value (a byte offset into
   * the blob), or -1. darts-clone's common-prefix search, stopping at the first result.
   */
  private int search(byte[] key, int n) {
    int[] a = units;
    int pos = 0;
    int unit = a[pos];
    pos ^= offset(unit);
    for (int i = 0; i < n; i++) {
      int c = key[i] & 0xFF;
      if (c == 0) {
        return -1;
      }
      pos ^= c;
      if (pos < 0 || pos >= a.length) {
        return -1;
      }
      unit = a[pos];
      if (label(unit) != c) {
        return -1;
      }
      pos ^= offset(unit);
      if (hasLeaf(unit)) {
        if (pos < 0 || pos >= a.length) {
          return -1;
        }
        return value(a[pos], true);
      }
    }
    return -1;
  }

  /** The NUL-terminated replacement string at {@code offset} of the blob. */
  private String value(int offset) {
    String s = values.get(offset);
    if (s == null) {
      int end = offset;
      while (end < blob.length && blob[end] != 0) {
        end++;
      }
      s = offset >= blob.length ? "" : new String(blob, offset, end - offset,
          StandardCharsets.UTF_8);
      values.put(offset, s);
    }
    return s;
  }

  private static int utf8(int cp, byte[] out, int at) {
    if (cp < 0x80) {
      out[at] = (byte) cp;
      return 1;
    } else if (cp < 0x800) {
      out[at] = (byte) (0xC0 | cp >> 6);
      out[at + 1] = (byte) (0x80 | cp & 0x3F);
      return 2;
    } else if (cp < 0x10000) {
      out[at] = (byte) (0xE0 | cp >> 12);
      out[at + 1] = (byte) (0x80 | (cp >> 6) & 0x3F);
      out[at + 2] = (byte) (0x80 | cp & 0x3F);
      return 3;
    }
    out[at] = (byte) (0xF0 | cp >> 18);
    out[at + 1] = (byte) (0x80 | (cp >> 12) & 0x3F);
    out[at + 2] = (byte) (0x80 | (cp >> 6) & 0x3F);
    out[at + 3] = (byte) (0x80 | cp & 0x3F);
    return 4;
  }

  private static int utf8Length(int cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }

  /** Appends the normalization of {@code in} (valid UTF-16) to {@code out}. */
  void normalize(CharSequence in, StringBuilder out, byte[] scratch) {
    int n = in.length();
    Matcher m = null;
    int i = 0;
    while (i < n) {
      int cp = Character.codePointAt(in, i);
      int cc = Character.charCount(cp);
      int end = i + cc;
      // the cluster's end: one code point unless the next one may join it (all code points
      // below U+0300 start a new cluster after anything but CR and the Prepend characters)
      if (end < n && (in.charAt(end) >= 0x300 || cp == '\r' || cp >= 0x600)) {
        if (m == null) {
          m = MATCHER.get();
          m.reset(in);
        }
        m.region(i, n);
        if (m.lookingAt()) {
          end = Math.max(end, m.end());
        }
      }
      if (end == i + cc) {
        int v = cp < 0x10000 ? bmp[cp] : -2;
        if (v >= 0) {
          out.append(bmpValues[v]);
        } else if (v == -1) {
          out.append((char) cp);
        } else {
          int len = utf8(cp, scratch, 0);
          int r = search(scratch, len);
          if (r >= 0) {
            out.append(value(r));
          } else {
            out.appendCodePoint(cp);
          }
        }
        i = end;
        continue;
      }
      // a cluster of several code points
      int bytes = 0;
      for (int k = i; k < end; ) {
        int c = Character.codePointAt(in, k);
        bytes += utf8Length(c);
        k += Character.charCount(c);
      }
      if (bytes < 6) {
        int len = 0;
        for (int k = i; k < end; ) {
          int c = Character.codePointAt(in, k);
          len += utf8(c, scratch, len);
          k += Character.charCount(c);
        }
        int r = search(scratch, len);
        if (r >= 0) {
          out.append(value(r));
          i = end;
          continue;
        }
      }
      for (int k = i; k < end; ) {
        int c = Character.codePointAt(in, k);
        int len = utf8(c, scratch, 0);
        int r = search(scratch, len);
        if (r >= 0) {
          out.append(value(r));
        } else {
          out.appendCodePoint(c);
        }
        k += Character.charCount(c);
      }
      i = end;
    }
    if (m != null) {
      m.reset("");
    }
  }
}
