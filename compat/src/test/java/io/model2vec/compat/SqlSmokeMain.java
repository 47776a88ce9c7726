package io.model2vec.compat;

import java.lang.reflect.Method;
import java.util.Iterator;
import java.util.List;

/**
 * Runs SQL statements in a local Spark or Flink session and prints each result's first column
 * as {@code RESULT <n>: <value>}. Run by {@link CompatibilityIT} in a JVM whose classpath is one
 * engine release and a bundle: it goes through reflection only, so that one class runs on every
 * release (Spark 3.5's and 4's SparkSession are different classes to a compiler).
 *
 * <p>Arguments: {@code spark|flink}, then the statements ({@code SET key=value} sets a Flink
 * session's configuration).
 */
public final class SqlSmokeMain {
  private SqlSmokeMain() {}

  public static void main(String[] args) throws Exception {
    List<String> statements = List.of(args).subList(1, args.length);
    if (args[0].equals("spark")) {
      spark(statements);
    } else {
      flink(statements);
    }
    System.out.flush();
    System.exit(0); // the engines leave non-daemon threads behind
  }

  private static Object call(Object target, String method, Object... args) throws Exception {
    for (Method m : target.getClass().getMethods()) {
      if (m.getName().equals(method) && accepts(m.getParameterTypes(), args)) {
        m.setAccessible(true); // a public method of a class that is not (Flink's results)
        return m.invoke(target, args);
      }
    }
    throw new NoSuchMethodException(target.getClass().getName() + "." + method);
  }

  /** Whether the parameters take exactly these arguments (config(String, String), not (String, long)). */
  private static boolean accepts(Class<?>[] types, Object[] args) {
    if (types.length != args.length) {
      return false;
    }
    for (int i = 0; i < types.length; i++) {
      Class<?> t = types[i] == int.class ? Integer.class : types[i]; // Row.get(int), getField(int)
      if (!t.isInstance(args[i])) {
        return false;
      }
    }
    return true;
  }

  private static void spark(List<String> statements) throws Exception {
    Object builder = Class.forName("org.apache.spark.sql.SparkSession").getMethod("builder")
        .invoke(null);
    call(builder, "master", "local[1]");
    call(builder, "appName", "model2vec-compat");
    call(builder, "config", "spark.sql.extensions", "io.model2vec.spark.Model2VecExtensions");
    call(builder, "config", "spark.ui.enabled", "false");
    Object spark = call(builder, "getOrCreate");
    try {
      for (int i = 0; i < statements.size(); i++) {
        Object rows = call(call(spark, "sql", statements.get(i)), "collectAsList");
        Object first = ((List<?>) rows).get(0);
        print(i, call(first, "get", 0));
      }
    } finally {
      call(spark, "stop");
    }
  }

  private static void flink(List<String> statements) throws Exception {
    Class<?> settings = Class.forName("org.apache.flink.table.api.EnvironmentSettings");
    Object batch = settings.getMethod("inBatchMode").invoke(null);
    Object env = Class.forName("org.apache.flink.table.api.TableEnvironment")
        .getMethod("create", settings).invoke(null, batch);
    int n = 0;
    for (String sql : statements) {
      if (sql.startsWith("SET ")) { // SET key=value: the session's configuration, on every release
        String[] kv = sql.substring(4).split("=", 2);
        call(call(call(env, "getConfig"), "getConfiguration"), "setString", kv[0].strip(),
            kv[1].strip());
        continue;
      }
      Object result = call(env, "executeSql", sql);
      if (!sql.stripLeading().toUpperCase(java.util.Locale.ROOT).startsWith("SELECT")) {
        continue; // CREATE FUNCTION and the like
      }
      try (AutoCloseable rows = (AutoCloseable) call(result, "collect")) {
        Object first = ((Iterator<?>) rows).next();
        print(n++, call(first, "getField", 0));
      }
    }
  }

  private static void print(int n, Object value) {
    System.out.println("RESULT " + n + ": " + value);
  }
}
