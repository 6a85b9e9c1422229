/** Building blocks of the config schema (schema.ts and its sections in files of their own). */

/** Node timers (setTimeout/setInterval) overflow above this and fire after 1 ms instead. */
const TIMER_MAX_MS = 2 ** 31 - 1;

/** An integer duration in milliseconds; `minimum` is 1 unless zero has a meaning. */
export function ms(defaultMs: number, description: string, minimum: 0 | 1 = 1) {
  return { type: 'integer', minimum, maximum: TIMER_MAX_MS, default: defaultMs, description } as const;
}

export function integer(defaultValue: number, minimum: number, description: string) {
  return { type: 'integer', minimum, default: defaultValue, description } as const;
}

/** A section: an object that rejects unknown keys and defaults to `{}` so its keys get defaults. */
export function section<P extends Record<string, object>>(description: string, properties: P) {
  return { type: 'object', description, additionalProperties: false, default: {}, properties } as const;
}

