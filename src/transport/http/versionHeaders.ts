import { ActorGridError } from '../../errors';

/** `"7"` (with or without `W/`) → 7; anything else is INVALID_ARGUMENTS naming the header. */
export function versionHeader(value: string | string[] | undefined, header: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const match = typeof value === 'string' ? /^(?:W\/)?"?(\d{1,15})"?$/.exec(value.trim()) : null;
  if (!match) throw new ActorGridError('INVALID_ARGUMENTS', `${header} must be a version in quotes, e.g. "7"`, { field: header });
  return Number(match[1]);
}

/**
 * Whether `If-None-Match` matches version `version` (RFC 9110 13.1.2): `*`, or a list of entity tags
 * compared weakly, so `W/"7"` (as a proxy that compresses rewrites the tag) matches `"7"`.
 */
export function noneMatch(value: string | string[] | undefined, version: number): boolean {
  if (value === undefined) return false;
  const tags = (Array.isArray(value) ? value.join(',') : value).split(',').map((tag) => tag.trim());
  return tags.some((tag) => tag === '*' || tag.replace(/^W\//, '') === `"${version}"`);
}
