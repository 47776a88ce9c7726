package io.model2vec.spark;

import io.model2vec.Model2VecException;
import io.model2vec.ModelReference;
import io.model2vec.StaticModel;
import io.model2vec.StaticModelPipeline;
import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkFiles;

/**
 * How Spark gets a model to its executors, and where an executor finds its copy: the only
 * Spark-specific part of model handling (the reference, its options and the once-per-JVM sharing
 * are the core's {@link ModelReference}).
 *
 * <p>On the driver, {@link #ship} resolves a reference once per application (a hub id is
 * downloaded into the driver's HuggingFace cache, a Hadoop folder copied to the driver), checks
 * that it loads, and, on a cluster, zips the folder once and adds the archive to each session
 * that uses it ({@link SparkLine#addArchive}: Spark 4 isolates artifacts per session, 3.5 adds
 * them to the application). In local mode, and for {@code classpath:} models, nothing is shipped.
 */
final class ShippedModels {
  private static final Pattern HADOOP_URI = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");

  /**
   * application id | reference -> the reference executors use (resolved, maybe shipped). A future,
   * so that a long resolution (a hub download) runs outside the map and blocks only its own key.
   */
  private static final Map<String, CompletableFuture<ModelReference>> RESOLVED =
      new ConcurrentHashMap<>();
  /** application id | session | archive: archives already added to a session. */
  private static final Set<String> ADDED = ConcurrentHashMap.newKeySet();

  private ShippedModels() {}

  static ModelReference ship(org.apache.spark.sql.SparkSession session, ModelReference reference) {
    return ship(session, reference, false);
  }

  /**
   * {@link #ship} of a classifier pipeline: the folder of the model and its pipeline.skops (a hub
   * id's snapshot gets pipeline.skops too); the driver checks that the pipeline loads.
   */
  static ModelReference shipPipeline(org.apache.spark.sql.SparkSession session,
      ModelReference reference) {
    return ship(session, reference, true);
  }

  private static ModelReference ship(org.apache.spark.sql.SparkSession session,
      ModelReference reference, boolean pipeline) {
    SparkContext sc = session.sparkContext();
    ModelReference resolved = once(RESOLVED, sc.applicationId() + "|" + (pipeline ? "pipeline|"
        : "") + reference, () -> resolve(sc, reference, pipeline));
    String added = sc.applicationId() + "|" + SparkLine.artifactScope(session) + "|" + resolved.shippedAs();
    if (resolved.shippedAs() != null && !ADDED.contains(added)) {
      synchronized (ADDED) {
        if (!ADDED.contains(added)) {
          String archive = ModelArchive.archiveOf(Path.of(resolved.reference())).toString();
          SparkLine.addArchive(session, archive);
          ADDED.add(added); // only once it is added: a failure is tried again by the next query
        }
      }
    }
    return resolved;
  }

  /**
   * The value of {@code key}, computed by the first caller outside the map (other keys never
   * wait for it); a failure is not kept, so the next caller tries again.
   */
  static <V> V once(Map<String, CompletableFuture<V>> map, String key, Supplier<V> compute) {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> prior = map.putIfAbsent(key, mine);
    if (prior != null) {
      try {
        return prior.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
      }
    }
    try {
      V v = compute.get();
      mine.complete(v);
      return v;
    } catch (RuntimeException | Error e) {
      map.remove(key, mine);
      mine.completeExceptionally(e);
      throw e;
    }
  }

  private static ModelReference resolve(SparkContext sc, ModelReference reference,
      boolean pipeline) {
    String ref = reference.reference();
    Path folder = isHadoopUri(ref) ? HadoopModels.copyToLocal(sc, ref)
        : pipeline ? StaticModelPipeline.resolveFolder(ref, reference.options())
        : reference.resolveFolder();
    ModelReference local = folder == null ? reference
        : ModelReference.of(folder.toString(), reference.options());
    // Fail on the driver, at analysis time, rather than in every task.
    if (pipeline) {
      StaticModelPipeline.shared(local, name -> null);
    } else {
      local.shared();
    }
    if (folder == null || sc.isLocal()) {
      return local;
    }
    // addFile refuses local directories on a cluster; an archive is unpacked on every node.
    return local.shippedAs(ModelArchive.archiveOf(folder).getFileName().toString());
  }

  private static boolean isHadoopUri(String ref) {
    return ref != null && HADOOP_URI.matcher(ref).matches() && !ref.startsWith("file:");
  }

  /** This executor's copy of the folder shipped as {@code name}. */
  static Path localCopy(String name) {
    File local = new File(SparkFiles.get(name));
    if (local.exists()) {
      return local.toPath();
    }
    // Spark 4 isolates artifacts per session: they are unpacked into a folder of the session.
    File root = new File(SparkFiles.getRootDirectory());
    File[] sessions = root.listFiles(File::isDirectory);
    for (File dir : sessions == null ? new File[0] : sessions) {
      File candidate = new File(dir, name);
      if (candidate.isDirectory()) {
        return candidate.toPath();
      }
    }
    String[] present = root.list();
    throw new Model2VecException("the model shipped to the executors as " + name
        + " is not on this executor: no " + local + " (its SparkFiles hold "
        + (present == null ? "nothing" : String.join(", ", present)) + ")");
  }

  /** The pipeline of this executor JVM for a reference from {@link #shipPipeline}. */
  static StaticModelPipeline pipeline(ModelReference reference) {
    return StaticModelPipeline.shared(reference, ShippedModels::localCopy);
  }

  /**
   * The driver's pipeline of a reference from {@link #shipPipeline} (what the analyzer needs to
   * know: multilabel or not, the classes): its local folder, loaded once per JVM.
   */
  static StaticModelPipeline pipelineOnDriver(ModelReference shipped) {
    return StaticModelPipeline.shared(ModelReference.of(shipped.reference(), shipped.options()),
        name -> null);
  }

  /** The model of this executor JVM for a reference from {@link #ship}. */
  static StaticModel model(ModelReference reference) {
    return reference.shared(ShippedModels::localCopy);
  }
}
