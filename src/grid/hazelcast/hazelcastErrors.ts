import {
  ClientNotActiveError,
  ClientOfflineError,
  HazelcastInstanceNotActiveError,
  IllegalMonitorStateError,
  IOError,
  TargetDisconnectedError,
  UndefinedErrorCodeError,
} from 'hazelcast-client';
import { UnavailableError } from '../../errors';

/**
 * Java class the PostgreSQL MapStore (mapstore/) throws when the database cannot be reached. The
 * member changed nothing in memory, so the call can be retried; the client sees it as an
 * UndefinedErrorCodeError whose message starts with `Class name: <class>`.
 */
const STORE_UNAVAILABLE_CLASS = 'io.actorgrid.mapstore.StoreUnavailableException';

/**
 * Turns the client's connection-loss errors, and the MapStore's "database unreachable", into
 * UnavailableError (retryable); anything else is passed through unchanged for the caller to
 * classify.
 */
export function translateError(err: unknown): unknown {
  if (isStoreUnavailable(err)) {
    return new UnavailableError(`the grid's database is unreachable: ${storeMessage(err as Error)}`, { cause: err });
  }
  if (
    err instanceof ClientOfflineError ||
    err instanceof ClientNotActiveError ||
    err instanceof HazelcastInstanceNotActiveError ||
    err instanceof TargetDisconnectedError ||
    err instanceof IOError
  ) {
    return new UnavailableError(`the grid is unreachable: ${(err as Error).message}`, { cause: err });
  }
  return err;
}

/** Whether `err` or one of its causes is the MapStore's StoreUnavailableException. */
function isStoreUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof UndefinedErrorCodeError && e.message.startsWith(`Class name: ${STORE_UNAVAILABLE_CLASS},`)) return true;
  }
  return false;
}

/** The Java exception's own message, without the client's `Class name: …, Message:` wrapper. */
function storeMessage(err: Error): string {
  const at = err.message.indexOf('Message: ');
  return at < 0 ? err.message : err.message.slice(at + 'Message: '.length);
}

/** Whether the member refused an unlock because this client does not own the lock. */
export function isNotOwner(err: unknown): boolean {
  return err instanceof IllegalMonitorStateError;
}

/** Runs a grid call, translating connection loss. */
export async function call<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw translateError(err);
  }
}
