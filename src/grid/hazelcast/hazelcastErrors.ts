import {
  ClientNotActiveError,
  ClientOfflineError,
  HazelcastInstanceNotActiveError,
  IllegalMonitorStateError,
  IOError,
  TargetDisconnectedError,
} from 'hazelcast-client';
import { UnavailableError } from '../../errors';

/**
 * Turns the client's connection-loss errors into UnavailableError (retryable); anything else is
 * passed through unchanged for the caller to classify.
 */
export function translateError(err: unknown): unknown {
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
