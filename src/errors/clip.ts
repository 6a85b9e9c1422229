/** How many characters of a client's input an error message or log field repeats. */
export const ECHO_MAX_CHARS = 100;

/**
 * A client-chosen string as it may appear in an error message, error data or a log field: at most
 * {@link ECHO_MAX_CHARS} characters, then `…`, so that a 1 MB method name costs 100 bytes per echo.
 * Non-strings are shown by their type only (they are the client's too).
 *
 * @example
 * clip('x'.repeat(1e6)) // 'xxx…x…' (100 x and an ellipsis)
 */
export function clip(value: unknown, max = ECHO_MAX_CHARS): string {
  if (typeof value !== 'string') return value === null ? 'null' : typeof value;
  // Whole code points: never cut a surrogate pair in half (the ellipsis would follow half a character).
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}
