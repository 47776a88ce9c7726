package io.model2vec.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The teacher's vectors of a task file, on disk, so that a second evaluate run does not pay the
 * teacher again (it reads ~50-100 texts/s here). The file is named after the task file's SHA-256
 * and a hash of the teacher and its settings; a file that does not read back whole is ignored.
 *
 * <pre>"M2VEVAL1" | int32 rows | int32 dims | rows x dims float32, little-endian</pre>
 */
final class EvalCache {
  private static final byte[] MAGIC = "M2VEVAL1".getBytes(StandardCharsets.US_ASCII);

  private EvalCache() {}

  static Path file(Path dir, EvalTask task, String teacherKey) {
    String key;
    try {
      key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(teacherKey.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return dir.resolve(task.name + "-" + task.sha256.substring(0, 16) + "-" + key + ".f32");
  }

  /** The cached rows, or null when there are none (or not {@code rows} of them). */
  static float[][] read(Path file, int rows) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
      byte[] magic = new byte[MAGIC.length];
      b.get(magic);
      int n = b.getInt();
      int d = b.getInt();
      if (!java.util.Arrays.equals(magic, MAGIC) || n != rows || d < 1
          || b.remaining() != (long) n * d * Float.BYTES) {
        return null;
      }
      float[][] x = new float[n][d];
      for (float[] row : x) {
        b.asFloatBuffer().get(row);
        b.position(b.position() + d * Float.BYTES);
      }
      return x;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Writes atomically (a temporary file moved into place); a failure is only reported. */
  static void write(Path file, float[][] x, PrintStream err) {
    int d = x.length == 0 ? 0 : x[0].length;
    ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 8 + x.length * d * Float.BYTES)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putInt(x.length).putInt(d);
    for (float[] row : x) {
      for (float v : row) {
        b.putFloat(v);
      }
    }
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, b.array());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      err.println("  (cannot cache the teacher's vectors in " + file + ": " + e + ")");
    }
  }
}
