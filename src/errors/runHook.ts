import { ActorGridError } from './ActorGridError';

/**
 * Runs an application hook (destination, shared object). A coded error it throws refuses with its
 * code; anything else refuses with INVALID_ARGUMENTS and its message. `Refusal` is the class the
 * refusal takes: the shared-object actor uses `RequestRefusedError`, so that the refusal reaches the
 * client as it is rather than wrapped in ACTOR_ERROR.
 */
export async function runHook<T>(hook: () => T | Promise<T>, Refusal: typeof ActorGridError = ActorGridError): Promise<T> {
  try {
    return await hook();
  } catch (err) {
    if (err instanceof Refusal) throw err;
    if (err instanceof ActorGridError) throw new Refusal(err.code, err.message, err.data, { cause: err });
    throw new Refusal('INVALID_ARGUMENTS', err instanceof Error ? err.message : String(err), undefined, { cause: err });
  }
}
