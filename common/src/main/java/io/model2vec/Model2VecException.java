package io.model2vec;

/**
 * A model could not be found, read or validated, or a model reference could not be resolved.
 *
 * <p>The message always names the file, tensor, key or row at fault and what was wrong with it, so
 * that a failed Spark task or Flink job tells its user what to fix without a debugger.
 */
public class Model2VecException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public Model2VecException(String message) {
    super(message);
  }

  public Model2VecException(String message, Throwable cause) {
    super(message, cause);
  }
}
