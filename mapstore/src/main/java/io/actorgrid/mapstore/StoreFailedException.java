package io.actorgrid.mapstore;

/**
 * PostgreSQL was reached but refused the statement (e.g. a JSON value that is not valid JSON, a
 * permission missing). Not retryable: the same call would fail the same way.
 */
public class StoreFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
