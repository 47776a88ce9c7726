package io.model2vec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Multilingual strings for Unigram parity: words drawn from every block of the Basic
 * Multilingual Plane and the common supplementary blocks (each assigned code point of a block is
 * reachable), mixed with Latin, digits, emoji sequences, combining marks, control and
 * whitespace characters, full-width forms, and very long words; deterministic for a seed.
 */
public final class MultilingualTexts {
  /** Unicode blocks as [first, last] code points: every script block of Unicode 13's BMP, and more. */
  private static final int[][] BLOCKS = blocks();

  private MultilingualTexts() {}

  private static int[][] blocks() {
    List<int[]> out = new ArrayList<>();
    Character.UnicodeBlock prev = null;
    int start = 0;
    for (int cp = 0; cp <= 0x10FFFF; cp++) {
      Character.UnicodeBlock b = Character.UnicodeBlock.of(cp);
      if (b != prev) {
        if (prev != null && prev != Character.UnicodeBlock.HIGH_SURROGATES
            && prev != Character.UnicodeBlock.LOW_SURROGATES
            && prev != Character.UnicodeBlock.HIGH_PRIVATE_USE_SURROGATES
            && prev != Character.UnicodeBlock.SUPPLEMENTARY_PRIVATE_USE_AREA_A
            && prev != Character.UnicodeBlock.SUPPLEMENTARY_PRIVATE_USE_AREA_B) {
          out.add(new int[] {start, cp - 1});
        }
        prev = b;
        start = cp;
      }
    }
    return out.toArray(new int[0][]);
  }

  /** How many blocks the generator draws words from. */
  public static int blockCount() {
    return BLOCKS.length;
  }

  public static List<String> generate(int n, long seed) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(n);
    // first every block once, in order, as a run of its own characters
    for (int[] b : BLOCKS) {
      StringBuilder sb = new StringBuilder();
      for (int k = 0; k < 12; k++) {
        sb.appendCodePoint(b[0] + r.nextInt(b[1] - b[0] + 1));
        if (k == 5) {
          sb.append(' ');
        }
      }
      out.add(sb.toString());
    }
    while (out.size() < n) {
      StringBuilder sb = new StringBuilder();
      int words = 1 + r.nextInt(10);
      for (int w = 0; w < words; w++) {
        switch (r.nextInt(9)) {
          case 0:
          case 1:
          case 2: {
            int[] b = BLOCKS[r.nextInt(BLOCKS.length)];
            for (int k = 0, m = 1 + r.nextInt(8); k < m; k++) {
              sb.appendCodePoint(b[0] + r.nextInt(b[1] - b[0] + 1));
            }
            break;
          }
          case 3:
            sb.append(ParityTexts.WORDS[r.nextInt(ParityTexts.WORDS.length)]);
            break;
          case 4: {
            // full-width forms and combining marks on letters
            for (int k = 0, m = 1 + r.nextInt(6); k < m; k++) {
              sb.appendCodePoint(r.nextBoolean() ? 0xFF01 + r.nextInt(0x5E)
                  : 'a' + r.nextInt(26));
              if (r.nextInt(3) == 0) {
                sb.appendCodePoint(0x300 + r.nextInt(0x70));
              }
            }
            break;
          }
          case 5:
            sb.append(ParityTexts.SEPARATORS[r.nextInt(ParityTexts.SEPARATORS.length)]);
            break;
          case 6:
            sb.append(ParityTexts.PUNCT[r.nextInt(ParityTexts.PUNCT.length)]);
            break;
          case 7: {
            // a very long word
            String unit = ParityTexts.WORDS[r.nextInt(ParityTexts.WORDS.length)];
            sb.append(unit.repeat(20 + r.nextInt(60)));
            break;
          }
          default:
            sb.append("the quick brown fox ".substring(0, 1 + r.nextInt(19)));
        }
        int sep = r.nextInt(10);
        sb.append(sep < 6 ? " " : sep < 8 ? "" : ParityTexts.SEPARATORS[
            r.nextInt(ParityTexts.SEPARATORS.length)]);
      }
      String s = sb.toString();
      out.add(r.nextInt(5) == 0 ? s.toUpperCase(java.util.Locale.ROOT) : s);
    }
    return out;
  }
}
