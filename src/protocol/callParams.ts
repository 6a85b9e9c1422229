import { ActorGridError, clip } from '../errors';

/** Longest actor id, type and method name accepted from a client, in UTF-16 code units (`string.length`). */
export const MAX_ACTOR_ID_LENGTH = 256;

/** Longest idempotency key accepted from a client (PROTOCOL.md). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

/** The validated parts of one actor call as a client sent them, over HTTP or JSON-RPC. */
export interface CallParams {
  type: string;
  id: string;
  method: string;
  args: unknown[];
  idempotencyKey?: string;
}

/** Limits applied while checking call parameters. */
export interface CallParamLimits {
  /** Most positional arguments; unlimited when absent (config `limits.maxArgs`). */
  maxArgs?: number;
}

const ACTOR_CALL_KEYS: ReadonlySet<string> = new Set(['type', 'id', 'method', 'args', 'idempotencyKey']);

/**
 * Checks the params of the JSON-RPC method `actor.call`: `{type, id, method, args?, idempotencyKey?}`.
 * Unknown keys are rejected (a client relying on a field this node does not know should hear so);
 * `null` counts as absent for the optional `args` and `idempotencyKey`, because msgpack encoders
 * commonly write undefined as nil. Throws INVALID_ARGUMENTS naming the `field`.
 */
export function checkActorCallParams(params: unknown, limits: CallParamLimits = {}): CallParams {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalidArgument('params', 'params must be an object {type, id, method, args?, idempotencyKey?}');
  }
  const p = params as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!ACTOR_CALL_KEYS.has(key)) throw invalidArgument(clip(key), `unknown parameter "${clip(key)}"`);
  }
  const target = checkCallTarget(p.type, p.id, p.method);
  const args = p.args === undefined || p.args === null ? [] : checkArgs(p.args, limits);
  const key = p.idempotencyKey === null ? undefined : checkIdempotencyKey(p.idempotencyKey);
  return withKey({ ...target, args }, key);
}

/**
 * Checks an actor address and method name: non-empty strings, each at most
 * `MAX_ACTOR_ID_LENGTH` long (PROTOCOL.md: names and ids are 1–256 characters). Throws INVALID_ARGUMENTS naming the field.
 */
export function checkCallTarget(type: unknown, id: unknown, method: unknown): Pick<CallParams, 'type' | 'id' | 'method'> {
  const checked = {
    type: nonEmptyString('type', type),
    id: nonEmptyString('id', id),
    method: nonEmptyString('method', method),
  };
  for (const field of ['type', 'id', 'method'] as const) {
    if (checked[field].length > MAX_ACTOR_ID_LENGTH) {
      throw invalidArgument(field, `${field} must be at most ${MAX_ACTOR_ID_LENGTH} characters`, { maxLength: MAX_ACTOR_ID_LENGTH });
    }
  }
  return checked;
}

/** Checks positional arguments: an array, at most `limits.maxArgs` long. */
export function checkArgs(args: unknown, limits: CallParamLimits = {}): unknown[] {
  if (!Array.isArray(args)) throw invalidArgument('args', 'args must be an array of positional arguments');
  if (limits.maxArgs !== undefined && args.length > limits.maxArgs) {
    throw invalidArgument('args', `at most ${limits.maxArgs} arguments`, { maxArgs: limits.maxArgs });
  }
  return args;
}

/** Checks an idempotency key: absent, or a non-empty string of at most 128 characters. */
export function checkIdempotencyKey(key: unknown): string | undefined {
  if (key === undefined) return undefined;
  const checked = nonEmptyString('idempotencyKey', key);
  if (checked.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw invalidArgument('idempotencyKey', `idempotencyKey must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, {
      maxLength: MAX_IDEMPOTENCY_KEY_LENGTH,
    });
  }
  return checked;
}

/** Adds the key only when present, so `'idempotencyKey' in params` means a key was sent. */
export function withKey(params: CallParams, key: string | undefined): CallParams {
  return key === undefined ? params : { ...params, idempotencyKey: key };
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidArgument(field, `${field} must be a non-empty string`);
  return value;
}

function invalidArgument(field: string, message: string, extra: Record<string, unknown> = {}): ActorGridError {
  return new ActorGridError('INVALID_ARGUMENTS', message, { field, ...extra });
}
