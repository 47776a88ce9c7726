package io.model2vec;

/** The hub could not be used (network, configuration, or an answer that breaks the protocol). */
final class HubIoException extends Exception {
  private static final long serialVersionUID = 1L;

  HubIoException(String message) {
    super(message);
  }

  HubIoException(String message, Throwable cause) {
    super(message, cause);
  }
}
