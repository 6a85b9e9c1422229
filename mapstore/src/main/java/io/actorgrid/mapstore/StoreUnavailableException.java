package io.actorgrid.mapstore;

/**
 * PostgreSQL cannot be reached (no connection within the pool's timeout, connection lost, server
 * shutting down). Thrown out of a write-through store or a load, it fails the grid operation, which
 * changed nothing in memory; the Node adapter recognises this class name and reports UNAVAILABLE
 * (retryable). Deliberately not a Hazelcast RetryableException: the member would then retry the
 * operation on its partition thread for minutes instead of letting the caller decide.
 */
public class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
