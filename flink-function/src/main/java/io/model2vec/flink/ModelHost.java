package io.model2vec.flink;

import io.model2vec.ModelReference;
import io.model2vec.StaticModelPipeline;
import io.model2vec.StaticModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Function;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.flink.util.FlinkUserCodeClassLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the functions take their models from, also when this module came with a job (the SQL
 * client's {@code ADD JAR}, a job jar) instead of Flink's {@code lib/}.
 *
 * <p>Flink gives every job its own class loader ({@link FlinkUserCodeClassLoader}) and drops it
 * when the job ends. Classes of a job jar are therefore loaded anew for every query: the core's
 * model cache would be one per query (a load per query), and DJL's native tokenizer library,
 * which the JVM binds to the first class loader that loads it, fails in the second query with
 * {@code UnsatisfiedLinkError: ... already loaded in another classloader}.
 *
 * <p>So when this class is in a job class loader, the models live in one <em>host</em> class
 * loader per JVM and jar content: a {@link URLClassLoader} over a copy of the jar this class came
 * from (the job's copy is deleted with the job), whose parent is the job loader's parent (Flink's
 * own classes). It loads the native library once and keeps one model per reference for every
 * later job, as {@code lib/} does. It is found again through the platform MBean server (the one
 * registry every class loader of the JVM shares), under
 * {@code io.model2vec.flink:type=ModelHost,jar=<sha-256 prefix>}. Only JDK types cross between the
 * loaders: the serialized {@link ModelReference}, the distributed-cache lookup and the returned
 * {@code Function<String, float[]>}.
 */
final class ModelHost implements ModelHostMBean {
  private static final Logger LOG = LoggerFactory.getLogger(ModelHost.class);

  /** The host's entry points, looked up once per (job) class loader. */
  private static final HostMethod HOSTED_ENCODER = new HostMethod(ModelHost.class.getName(),
      "hostedEncoder", byte[].class, Function.class);
  private static final HostMethod HOSTED_PIPELINE = new HostMethod(ModelHost.class.getName(),
      "hostedPipeline", byte[].class, Function.class);

  private ModelHost() {}

  /**
   * The encoder of {@code reference}'s shared model: from this class loader's model cache, or from
   * the JVM's host loader when this class came with a job.
   */
  static Function<String, float[]> encoder(ModelReference reference, Function<String, File> cache) {
    if (!inJobLoader()) {
      StaticModel model = Model2VecFlink.model(reference, cache);
      return model::encode;
    }
    @SuppressWarnings("unchecked")
    Function<String, float[]> hosted =
        (Function<String, float[]>) HOSTED_ENCODER.call(serialize(reference), cache);
    return hosted;
  }

  /** Runs in the host loader: the encoder of the serialized reference's shared model. */
  @SuppressWarnings("unused") // called reflectively by encoder()
  private static Function<String, float[]> hostedEncoder(byte[] reference,
      Function<String, File> cache) throws IOException, ClassNotFoundException {
    ModelReference ref = deserialize(reference);
    StaticModel model = Model2VecFlink.model(ref, cache);
    return model::encode;
  }

  /**
   * What a classifier function needs of {@code reference}'s shared pipeline, as JDK types (they
   * cross class loaders): {@code {Function<String, float[]> head output of a text, List<String>
   * classes, String kind}}. From this class loader's cache, or the JVM's host loader when this
   * class came with a job (the model's tokenizer is native: one loader per JVM holds it).
   */
  static Object[] pipeline(ModelReference reference, Function<String, File> cache) {
    if (!inJobLoader()) {
      return pipelineParts(reference, cache);
    }
    return (Object[]) HOSTED_PIPELINE.call(serialize(reference), cache);
  }

  /** Runs in the host loader: {@link #pipeline} of the serialized reference. */
  @SuppressWarnings("unused") // called reflectively by pipeline()
  private static Object[] hostedPipeline(byte[] reference, Function<String, File> cache)
      throws IOException, ClassNotFoundException {
    ModelReference ref = deserialize(reference);
    return pipelineParts(ref, cache);
  }

  private static Object[] pipelineParts(ModelReference reference, Function<String, File> cache) {
    StaticModelPipeline p = Model2VecFlink.pipeline(reference, cache);
    Function<String, float[]> outputs = p.isProjector() ? p::project : p::predictProba;
    return new Object[] {outputs, p.classes(), p.kind().name()};
  }

  /** The reference as bytes: the form in which it crosses into the host loader. */
  private static byte[] serialize(ModelReference reference) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(reference);
    } catch (IOException e) { // in memory: only a reference that is not serializable
      throw new IllegalStateException("cannot serialize " + reference + ": " + e, e);
    }
    return bytes.toByteArray();
  }

  /** {@link #serialize}'s bytes read back, in the host loader, with the host loader's classes. */
  private static ModelReference deserialize(byte[] reference)
      throws IOException, ClassNotFoundException {
    ClassLoader host = ModelHost.class.getClassLoader();
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(reference)) {
      @Override
      protected Class<?> resolveClass(ObjectStreamClass desc) throws ClassNotFoundException {
        return Class.forName(desc.getName(), false, host);
      }
    }) {
      return (ModelReference) in.readObject();
    }
  }

  /**
   * A static method of the host loader's copy of a class (for classes that came with a job),
   * looked up on its first call; only JDK types may cross.
   */
  static final class HostMethod {
    private final String owner;
    private final String name;
    private final Class<?>[] types;
    private volatile Method method;

    HostMethod(String owner, String name, Class<?>... types) {
      this.owner = owner;
      this.name = name;
      this.types = types;
    }

    /** Calls it; what it throws in the host is thrown here as it was. */
    Object call(Object... args) {
      try {
        Method m = method;
        if (m == null) {
          synchronized (this) {
            m = method;
            if (m == null) {
              m = hostMethod(owner, name, types);
              method = m;
            }
          }
        }
        return m.invoke(null, args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException) {
          throw (RuntimeException) cause;
        }
        if (cause instanceof Error) {
          throw (Error) cause;
        }
        throw new IllegalStateException(cause);
      } catch (ReflectiveOperationException | IOException e) {
        throw new IllegalStateException("model2vec: cannot reach the JVM's model host for classes "
            + "that came with the job (ADD JAR / job jar); put the model2vec-flink bundle into "
            + "Flink's lib/ instead: " + e, e);
      }
    }
  }

  /** Whether this class came with a job (ADD JAR, a job jar): then the host holds what is shared. */
  static boolean inJobLoader() {
    return ModelHost.class.getClassLoader() instanceof FlinkUserCodeClassLoader;
  }

  /**
   * {@code owner}'s static {@code method}, as loaded by the JVM's host loader (for classes that
   * came with a job); only JDK types may cross.
   */
  static Method hostMethod(String owner, String method, Class<?>... types)
      throws ReflectiveOperationException, IOException {
    Method m = Class.forName(owner, true, hostLoader()).getDeclaredMethod(method, types);
    m.setAccessible(true);
    return m;
  }

  /** The JVM's host loader for the jar this class came from: found, or made and registered. */
  private static ClassLoader hostLoader() throws ReflectiveOperationException, IOException {
    Path jar;
    try {
      URL location = ModelHost.class.getProtectionDomain().getCodeSource().getLocation();
      jar = Paths.get(location.toURI());
    } catch (java.net.URISyntaxException | NullPointerException e) {
      throw new IOException("cannot tell which jar " + ModelHost.class.getName() + " came from", e);
    }
    String digest = sha256(jar);
    ObjectName name;
    try {
      name = new ObjectName("io.model2vec.flink:type=ModelHost,jar=" + digest.substring(0, 16));
    } catch (javax.management.MalformedObjectNameException e) {
      throw new IllegalStateException(e);
    }
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      if (server.isRegistered(name)) {
        return (ClassLoader) server.getAttribute(name, "Loader");
      }
      Path copy = Paths.get(System.getProperty("java.io.tmpdir"),
          "model2vec-flink-host-" + digest.substring(0, 16) + ".jar");
      if (!Files.exists(copy) || Files.size(copy) != Files.size(jar)) {
        Path tmp = Files.createTempFile(copy.getParent(), "model2vec-flink-host-", ".tmp");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      ClassLoader parent = ModelHost.class.getClassLoader().getParent();
      URLClassLoader loader = new URLClassLoader("model2vec-flink-host",
          new URL[] {copy.toUri().toURL()}, parent);
      // The registered object is of the host's own ModelHost class: it pins the host loader
      // only, never this job's loader.
      Method anchorOf = Class.forName(ModelHost.class.getName(), true, loader)
          .getDeclaredMethod("anchor");
      anchorOf.setAccessible(true);
      Object anchor = anchorOf.invoke(null);
      try {
        server.registerMBean(anchor, name);
        LOG.info("model2vec classes came with a job (ADD JAR or a job jar): models and the "
            + "native tokenizer library are held for every job of this JVM by one class loader "
            + "over {} (Flink's lib/ avoids the copy)", copy);
        return loader;
      } catch (InstanceAlreadyExistsException raced) {
        loader.close(); // another job made the host first; nothing was loaded from this one
        return (ClassLoader) server.getAttribute(name, "Loader");
      }
    } catch (javax.management.JMException e) {
      throw new IllegalStateException("model2vec host " + name + ": " + e, e);
    }
  }

  /** Runs in the host loader: the object registered with the MBean server. */
  @SuppressWarnings("unused") // called reflectively by hostLoader()
  private static Object anchor() throws javax.management.NotCompliantMBeanException {
    return new javax.management.StandardMBean(new ModelHost(), ModelHostMBean.class);
  }

  @Override
  public ClassLoader getLoader() {
    return ModelHost.class.getClassLoader();
  }

  @Override
  public long getLoadCount() {
    return StaticModel.loadCount();
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        md.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
