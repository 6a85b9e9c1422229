import { ActorGridError } from '../errors';

/** The parameter a filter error points into. */
export type FilterField = 'selector' | 'subtopic';

/**
 * The error for a bad selector or subtopic: INVALID_ARGUMENTS with a message of the form
 * `<field>: <what> at position N` and `{ field, position }` as data, so that a client can point at
 * the problem. Positions are 0-based UTF-16 indexes into the text (character indexes for ASCII).
 */
export function positionError(field: FilterField, what: string, position: number): ActorGridError {
  return new ActorGridError('INVALID_ARGUMENTS', `${field}: ${what} at position ${position}`, { field, position });
}

/** The character at `index` for an error message: quoted when printable ASCII, else `U+XXXX`. */
export function showChar(text: string, index: number): string {
  const cp = text.codePointAt(index) ?? 0;
  if (cp >= 0x20 && cp < 0x7f) return `'${String.fromCharCode(cp)}'`;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}
