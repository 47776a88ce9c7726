package io.model2vec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub cache of one repository, in huggingface_hub's layout:
 *
 * <pre>
 * models--org--name/blobs/&lt;etag&gt;
 *                  /snapshots/&lt;commit&gt;/&lt;file&gt;  -&gt; ../../blobs/&lt;etag&gt;
 *                  /refs/&lt;revision&gt;             (holds the commit sha)
 * </pre>
 *
 * <p>Names from a user or a server are checked before they become paths: a commit is 40 hex
 * characters, an ETag a plain file name, a revision a ref name, and every path is checked to be
 * inside the repository's folder before it is touched. A body goes to
 * {@code blobs/<etag>.incomplete} under the blob's {@link HubLocks lock}, must have the announced
 * size (and the sha256 an LFS ETag names) and only then is moved into place, so executors sharing
 * a cache never see half a file; a download that broke off is resumed with {@code Range}.
 *
 * <p>Clusters often share one writable cache between users, so the cache trusts nothing it did
 * not make: every folder from the repository's down is created one level at a time and must be a
 * real folder; files are opened without following links ({@code O_NOFOLLOW}) and created
 * exclusively; a blob, a lock or a partial download that is a symbolic link is refused; and a
 * snapshot is verified before it is loaded (its links point to blobs of this repository, its
 * folders are folders). A tampered entry fails with one line naming it, and nothing outside the
 * cache is read or written.
 */
final class HubCache {
  private static final Logger LOG = LoggerFactory.getLogger(HubCache.class);
  static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  /** A blob's file name: no separators, no dot first (so never "." or ".."), no suffix of ours. */
  private static final Pattern BLOB_NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  /** The fewest bytes a download must bring in each HF_HUB_DOWNLOAD_TIMEOUT period. */
  private static final long MIN_PROGRESS = 64 * 1024;

  private final Path cacheRoot;
  private final Path repoDir;

  /** The cache folder of {@code repoId} (org/name) under {@code cache}. */
  HubCache(Path cache, String repoId) {
    // the cache folder itself is the user's choice (it may be a link); below it, nothing is
    this.cacheRoot = cache.toAbsolutePath().normalize();
    this.repoDir = cacheRoot.resolve("models--" + repoId.replace("/", "--"));
  }

  Path repoDir() {
    return repoDir;
  }

  /** snapshots/&lt;commit&gt;. */
  Path snapshot(String commit) {
    return repoDir.resolve("snapshots").resolve(commit);
  }

  /** blobs/&lt;etag&gt;, once the ETag is checked to be a plain file name. */
  Path blob(String etag, String shownUri, String rawEtag) throws HubIoException {
    if (!BLOB_NAME.matcher(etag).matches() || etag.endsWith(".lock") || etag.endsWith(".incomplete")) {
      throw new HubIoException(shownUri + " answered with ETag '" + HubClient.shown(rawEtag)
          + "', which is not a plain file name (letters, digits, '.', '_', '-'; up to 128)");
    }
    return inside(repoDir.resolve("blobs").resolve(etag));
  }

  /** snapshots/&lt;commit&gt;/&lt;file&gt;. */
  Path snapshotFile(String commit, String file) throws HubIoException {
    return inside(snapshot(commit).resolve(file));
  }

  /** {@code path} if it is inside the repository's folder; checked before anything touches it. */
  private Path inside(Path path) throws HubIoException {
    if (!path.normalize().startsWith(repoDir) || path.normalize().equals(repoDir)) {
      throw new HubIoException(path + " is not inside the repository's cache folder " + repoDir);
    }
    return path;
  }

  /**
   * Creates {@code dir} (the repository's folder or one inside it) one level at a time and checks
   * that every level below the cache folder is a real folder, not a symbolic link: a link planted
   * in a shared cache would send this JVM's writes, or its reads, somewhere else.
   */
  Path ensureDirectory(Path dir) throws IOException {
    Path target = dir.toAbsolutePath().normalize();
    if (!target.startsWith(repoDir)) {
      throw new IOException(dir + " is not inside the repository's cache folder " + repoDir);
    }
    Files.createDirectories(cacheRoot); // the user's folder: its own links are theirs
    Path p = cacheRoot;
    for (Path part : cacheRoot.relativize(target)) {
      p = p.resolve(part);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.createDirectory(p);
        } catch (FileAlreadyExistsException raced) {
          // made meanwhile by another thread or process: checked below like any other
        }
      }
      refuseLink(p, true);
    }
    return dir;
  }

  /** Throws if {@code p} is a symbolic link (or, for a folder, not a real folder). */
  static void refuseLink(Path p, boolean folder) {
    if (Files.isSymbolicLink(p)) {
      throw tampered(p, "is a symbolic link");
    }
    if (folder && Files.exists(p, LinkOption.NOFOLLOW_LINKS)
        && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      throw tampered(p, "is not a folder");
    }
  }

  /** Whether {@code blob} is there: a regular file, never followed through a link. */
  static boolean present(Path blob) {
    refuseLink(blob, false);
    return Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS);
  }

  static Model2VecException tampered(Path p, String what) {
    return new Model2VecException("the HuggingFace cache entry " + p + " " + what + ", which this "
        + "cache never makes (is the cache shared with someone who can write to it?); remove it "
        + "and load again");
  }

  /**
   * {@code snap} once verified to be what this cache made: real folders from the repository's
   * down, and every link in it pointing to a blob of this repository that is a regular file.
   */
  Path verified(Path snap) {
    Path dir = snap.toAbsolutePath().normalize();
    if (!dir.startsWith(repoDir.resolve("snapshots"))) {
      throw new Model2VecException(snap + " is not a snapshot folder of " + repoDir);
    }
    Path p = cacheRoot;
    for (Path part : cacheRoot.relativize(dir)) {
      p = p.resolve(part);
      refuseLink(p, true);
    }
    Path blobs = repoDir.resolve("blobs");
    refuseLink(blobs, true);
    try (java.util.stream.Stream<Path> all = Files.walk(dir)) { // never follows links
      for (Path entry : (Iterable<Path>) all::iterator) {
        if (Files.isSymbolicLink(entry)) {
          Path target = entry.getParent().resolve(Files.readSymbolicLink(entry)).normalize();
          if (!blobs.equals(target.getParent())
              || !BLOB_NAME.matcher(target.getFileName().toString()).matches()) {
            throw tampered(entry, "links to " + target + ", not to a blob of this repository");
          }
          if (Files.isSymbolicLink(target)) {
            throw tampered(target, "is a symbolic link");
          }
        } else if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)
            && !Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
          throw tampered(entry, "is neither a file nor a folder");
        }
      }
    } catch (IOException e) {
      throw new Model2VecException("cannot read the snapshot " + snap + ": " + e, e);
    }
    return snap;
  }

  /**
   * A revision is a ref name (branch, tag, {@code refs/pr/1}) or a commit: it names a file under
   * refs/ and a URL segment, so it may not climb out ({@code ..}), be absolute or hold control
   * characters; git's other forbidden characters are refused as well.
   */
  static String checkRevision(String revision) {
    String problem = segmentsProblem(revision, true);
    if (problem != null) {
      throw new IllegalArgumentException("revision must be a branch, tag or commit name (" + problem
          + "), was '" + HubClient.shown(revision) + "'");
    }
    return revision;
  }

  /** "" or the subfolder with one trailing '/', checked to stay inside the repository. */
  static String subfolderPrefix(String subfolder) {
    if (subfolder == null) {
      return "";
    }
    String s = subfolder.replaceAll("/+$", "");
    String problem = segmentsProblem(s, false);
    if (problem != null) {
      throw new IllegalArgumentException("subfolder must be a relative folder inside the repository ("
          + problem + "), was '" + HubClient.shown(subfolder) + "'");
    }
    return s + "/";
  }

  /** Why {@code path} is not a relative path of plain segments, or null. */
  private static String segmentsProblem(String path, boolean refName) {
    if (path.isEmpty() || path.length() > 255) {
      return "1 to 255 characters";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return "no control characters";
      }
      if (c == '\\' || refName && " ~^:?*[".indexOf(c) >= 0) {
        return refName ? "no spaces or any of ~^:?*[\\" : "no backslash";
      }
    }
    if (path.startsWith("/")) {
      return "not an absolute path";
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty()) {
        return "no empty segment between '/'";
      }
      if (segment.equals(".") || segment.equals("..")) {
        return "no '.' or '..' segment";
      }
    }
    return null;
  }

  /**
   * Downloads {@code from} into {@code blob} unless another thread or process already did (under
   * the blob's {@link HubLocks lock}, waiting at most {@code lockTimeoutMillis}).
   */
  void storeBlob(HubHttp http, URI from, Path blob, long size, String etag,
      long lockTimeoutMillis, long maxBytes) throws HubIoException {
    if (size > maxBytes) {
      throw new HubIoException(HubHttp.shown(from) + " announces " + size + " bytes, more than the "
          + maxBytes + " that " + Settings.HUB_MAX_DOWNLOAD_BYTES.environment() + " allows; "
          + "nothing was written");
    }
    try {
      ensureDirectory(blob.getParent());
    } catch (IOException e) {
      throw new HubIoException("could not create " + blob.getParent() + ": " + e, e);
    }
    HubLocks.unlessPresent(blob, lockTimeoutMillis,
        () -> downloadBlob(http, from, blob, size, etag, maxBytes));
  }

  /**
   * The body of {@code from} into {@code blob}: written to {@code <blob>.incomplete} (resumed
   * from its length with Range when one is there), no byte beyond the announced size, and moved
   * into place only with the announced size and, for an LFS file, the sha256 its ETag names.
   */
  private static void downloadBlob(HubHttp http, URI from, Path blob, long size, String etag,
      long maxBytes) throws IOException, HubIoException {
    Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
    refuseLink(part, false);
    long have = Files.isRegularFile(part, LinkOption.NOFOLLOW_LINKS) ? Files.size(part) : 0;
    if (have > 0 && (size < 0 || have >= size)) {
      // only a shorter prefix of a known size can be resumed
      Files.delete(part);
      have = 0;
    }
    HttpURLConnection c = http.get(from, have);
    try {
      if (have > 0 && !resumes(c, have)) {
        c.disconnect();
        Files.delete(part);
        have = 0;
        c = http.get(from, 0);
      }
      String shownFrom = HubHttp.shown(from);
      long length = c.getContentLengthLong();
      long total = size >= 0 ? size : length;
      if (total < 0) {
        throw new HubIoException("neither the HEAD nor the GET of " + shownFrom + " announced a "
            + "size (X-Linked-Size, Content-Length), so a body cut short could not be told from a "
            + "complete one");
      }
      if (total > maxBytes) {
        Files.deleteIfExists(part);
        throw new HubIoException(shownFrom + " announces " + total + " bytes, more than the "
            + maxBytes + " that " + Settings.HUB_MAX_DOWNLOAD_BYTES.environment() + " allows; "
            + "nothing was kept");
      }
      if (length >= 0 && have + length != total) {
        Files.deleteIfExists(part);
        throw new HubIoException("GET " + shownFrom + " announced " + (have + length)
            + " bytes but the file has " + total);
      }
      MessageDigest sha = SHA256.matcher(etag).matches() ? sha256() : null;
      if (sha != null && have > 0) {
        try (InputStream earlier = Files.newInputStream(part, LinkOption.NOFOLLOW_LINKS)) {
          update(sha, earlier);
        }
      }
      // never through a link: a new part is created exclusively, a resumed one opened as it is
      if (have == 0) {
        Files.deleteIfExists(part);
      }
      OpenOption[] mode = have > 0
          ? new OpenOption[] {StandardOpenOption.WRITE, StandardOpenOption.APPEND,
              LinkOption.NOFOLLOW_LINKS}
          : new OpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
              LinkOption.NOFOLLOW_LINKS};
      boolean tooLong = false;
      boolean writing = false;
      // The read timeout ends a body that stops; a body dripped just faster than it would hold
      // the lock for ever, so each timeout period must also bring MIN_PROGRESS bytes.
      long period = TimeUnit.MILLISECONDS.toNanos(http.downloadTimeoutMillis());
      long periodStart = System.nanoTime();
      long periodBytes = 0;
      try (InputStream body = c.getInputStream(); OutputStream out = Files.newOutputStream(part, mode)) {
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = body.read(buffer)) != -1; ) {
          if (have + n > total) {
            tooLong = true;
            break;
          }
          writing = true;
          out.write(buffer, 0, n);
          writing = false;
          if (sha != null) {
            sha.update(buffer, 0, n);
          }
          have += n;
          periodBytes += n;
          long now = System.nanoTime();
          if (now - periodStart >= period) {
            if (periodBytes < MIN_PROGRESS) {
              throw new HubIoException("less than " + MIN_PROGRESS / 1024 + " KiB in "
                  + HubHttp.seconds(http.downloadTimeoutMillis()) + " s (HF_HUB_DOWNLOAD_TIMEOUT) from "
                  + shownFrom + " after " + have + " of " + total + " bytes; the next attempt "
                  + "resumes from there");
            }
            periodStart = now;
            periodBytes = 0;
          }
        }
      } catch (SocketTimeoutException e) {
        throw new HubIoException("no data for " + HubHttp.seconds(http.downloadTimeoutMillis())
            + " s (HF_HUB_DOWNLOAD_TIMEOUT) from " + shownFrom + " after " + have + " of " + total
            + " bytes; the next attempt resumes from there", e);
      } catch (IOException e) {
        if (writing) {
          // the disk, not the network: a full disk keeps nothing behind
          Files.deleteIfExists(part);
          throw new HubIoException("could not write " + part + " (" + e.getMessage() + ") after "
              + have + " of " + total + " bytes from " + shownFrom + "; nothing was kept", e);
        }
        throw new HubIoException("the download of " + shownFrom + " broke off after " + have
            + " of " + total + " bytes (" + e + "); the next attempt resumes from there", e);
      }
      if (tooLong) {
        Files.deleteIfExists(part);
        throw new HubIoException(shownFrom + " sent more than the " + total + " bytes announced; "
            + "the download is discarded");
      }
      if (have < total) {
        throw new HubIoException("got " + have + " of " + total + " bytes from " + shownFrom
            + " before the body ended; the next attempt resumes from there");
      }
      if (sha != null && !HexFormat.of().formatHex(sha.digest()).equals(etag)) {
        Files.deleteIfExists(part);
        throw new HubIoException("the sha256 of the " + total + " bytes from " + shownFrom
            + " is not " + etag + " (its ETag); the download is discarded");
      }
      try {
        Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      c.disconnect();
    }
  }

  /** Whether a ranged GET answered with the bytes from {@code have} on (206 and Content-Range). */
  private static boolean resumes(HttpURLConnection c, long have) throws HubIoException {
    try {
      String range = c.getHeaderField("Content-Range");
      return c.getResponseCode() == 206 && range != null
          && range.trim().startsWith("bytes " + have + "-");
    } catch (IOException e) {
      throw new HubIoException("a ranged GET failed: " + e, e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void update(MessageDigest sha, InputStream in) throws IOException {
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) != -1; ) {
      sha.update(buffer, 0, n);
    }
  }

  /** snapshots/&lt;commit&gt;/&lt;file&gt; as a relative symlink to the blob (a copy where links fail). */
  void linkSnapshot(Path link, Path blob) throws IOException {
    ensureDirectory(link.getParent());
    Path target = link.getParent().relativize(blob);
    if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
      checkSnapshotEntry(link, target);
      return;
    }
    try {
      Files.createSymbolicLink(link, target);
    } catch (FileAlreadyExistsException e) {
      // another thread or process made it between the check and here: judge what it made
      checkSnapshotEntry(link, target);
    } catch (UnsupportedOperationException | IOException e) {
      Path tmp = Files.createTempFile(link.getParent(), link.getFileName().toString(), ".tmp");
      Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * An existing snapshot entry is ours when it links to its blob, or is a regular file (the copy
   * made where the file system has no links). Entries appear whole (a link, or a copy moved into
   * place), so a concurrent maker is never seen half-done.
   */
  private static void checkSnapshotEntry(Path link, Path target) throws IOException {
    if (Files.isSymbolicLink(link)) {
      Path to = Files.readSymbolicLink(link);
      if (!to.equals(target)) {
        throw tampered(link, "links to " + to + ", not to its blob");
      }
    } else if (!Files.isRegularFile(link, LinkOption.NOFOLLOW_LINKS)) {
      throw tampered(link, "is not a file");
    }
  }

  /** refs/&lt;revision&gt; holding {@code commit}; a failure is logged (the next load asks again). */
  void writeRef(String revision, String commit) {
    try {
      Path ref = inside(repoDir.resolve("refs").resolve(revision));
      ensureDirectory(ref.getParent());
      Path tmp = Files.createTempFile(ref.getParent(), ".ref", ".tmp");
      Files.writeString(tmp, commit);
      Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | HubIoException | Model2VecException e) {
      LOG.warn("Could not record refs/{} -> {} in {}: {}", revision, commit, repoDir, e.toString());
    }
  }

  /**
   * The snapshot for a revision from the cache alone (refs/ for branches and tags); a refs file
   * that does not hold a commit is an error, never a path to follow.
   */
  Optional<Path> cachedSnapshot(String revision) {
    checkRevision(revision);
    String commit = revision;
    if (!COMMIT.matcher(revision).matches()) {
      Path ref = repoDir.resolve("refs").resolve(revision);
      refuseLink(ref, false);
      if (!Files.isRegularFile(ref, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty();
      }
      try {
        commit = Files.readString(ref).trim();
      } catch (IOException e) {
        return Optional.empty();
      }
      if (!COMMIT.matcher(commit).matches()) {
        throw new Model2VecException("the cache file " + ref + " holds '" + HubClient.shown(commit)
            + "', which is not a commit (40 hex characters); delete it to download again");
      }
    }
    Path snap = snapshot(commit);
    return Files.isDirectory(snap) ? Optional.of(snap) : Optional.empty();
  }

  /** The tensors and the tokenizer beside them (flat or in 0_StaticEmbedding/). */
  static boolean complete(Path dir) {
    return Files.isRegularFile(dir.resolve("model.safetensors"))
        && Files.isRegularFile(dir.resolve("tokenizer.json"))
        || Files.isRegularFile(dir.resolve("0_StaticEmbedding/model.safetensors"))
        && Files.isRegularFile(dir.resolve("0_StaticEmbedding/tokenizer.json"));
  }
}
