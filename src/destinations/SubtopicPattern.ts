import { positionError, showChar } from './selectorErrors';

/** Limits on subtopics and subtopic patterns. */
export const SUBTOPIC_LIMITS = Object.freeze({
  /** Longest subtopic or pattern, in characters. */
  maxLength: 256,
  /** Most segments. */
  maxSegments: 16,
  /** Longest segment, in characters. */
  maxSegmentLength: 64,
});

const DOT = 0x2e;
const STAR = 0x2a;
const HASH = 0x23;

const isSegmentChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f /* _ */ || c === 0x2d; /* - */

/**
 * A subtopic pattern of a subscription.
 *
 * Subtopics are hierarchical: one to 16 segments separated by dots, at most 256 characters in all,
 * e.g. `sports.football.uk`. A segment is 1 to 64 ASCII letters, digits, `_` or `-`; comparison is
 * case-sensitive. A subtopic given when publishing must be concrete. A subscription's pattern may
 * also use two wildcards, each only as a whole segment:
 * - `*` matches exactly one segment: `sports.*.uk` matches `sports.football.uk` but neither
 *   `sports.uk` nor `sports.football.north.uk`;
 * - `#` matches zero or more segments and is only allowed as the last segment: `sports.#` matches
 *   `sports`, `sports.football` and `sports.football.uk`, but not `sportsnews`; `#` alone matches
 *   every subtopic.
 *
 * A message published without a subtopic matches no pattern, not even `#`.
 *
 * An invalid subtopic or pattern is refused with `ActorGridError('INVALID_ARGUMENTS',
 * 'subtopic: <what> at position N', { field: 'subtopic', position: N })`, N the 0-based position of
 * the problem.
 *
 * @example
 * const p = SubtopicPattern.parse('sports.*.uk');
 * p.matches('sports.football.uk'); // true
 * p.matches(undefined); // false
 */
export class SubtopicPattern {
  private constructor(
    /** The pattern as given. */
    readonly text: string,
    /** Its segments; `*` and `#` are the wildcards (no concrete segment can contain them). */
    readonly segments: readonly string[],
    /** True when the pattern has no wildcard, and so matches only the subtopic equal to `text`. */
    readonly isConcrete: boolean,
  ) {}

  /** Parses a subscription's pattern; throws INVALID_ARGUMENTS (see the class comment). */
  static parse(text: string): SubtopicPattern {
    const segments = scanSubtopic(text, true);
    return new SubtopicPattern(text, segments, !segments.some((s) => s === '*' || s === '#'));
  }

  /** Checks a publisher's subtopic; same as the function {@link checkSubtopic}. */
  static checkSubtopic(text: string): string {
    return checkSubtopic(text);
  }

  /**
   * Whether a message's subtopic matches. Expects a subtopic that passed {@link checkSubtopic};
   * never throws, whatever it gets.
   */
  matches(subtopic: string | undefined): boolean {
    if (typeof subtopic !== 'string') return false;
    if (this.isConcrete) return subtopic === this.text;
    // Walk the segments of `subtopic` in place, without splitting it.
    const segments = this.segments;
    let from = 0; // start of the subtopic's next segment; length + 1 once all are used
    for (const segment of segments) {
      if (segment === '#') return true; // always last: takes whatever is left, even nothing
      if (from > subtopic.length) return false;
      let end = subtopic.indexOf('.', from);
      if (end < 0) end = subtopic.length;
      if (segment === '*') {
        if (end === from) return false;
      } else if (end - from !== segment.length || !subtopic.startsWith(segment, from)) {
        return false;
      }
      from = end + 1;
    }
    return from === subtopic.length + 1;
  }

  toString(): string {
    return this.text;
  }
}

/**
 * Checks the subtopic of a message being published: concrete (no wildcards), rule in
 * {@link SubtopicPattern}. Returns it; throws INVALID_ARGUMENTS with `{ field: 'subtopic', position }`.
 */
export function checkSubtopic(text: string): string {
  scanSubtopic(text, false);
  return text;
}

/** Validates a subtopic (or, with `wildcards`, a pattern) and returns its segments. */
function scanSubtopic(text: string, wildcards: boolean): string[] {
  if (typeof text !== 'string') throw positionError('subtopic', 'must be a string', 0);
  if (text.length === 0) throw positionError('subtopic', 'empty', 0);
  const { maxLength, maxSegments, maxSegmentLength } = SUBTOPIC_LIMITS;
  if (text.length > maxLength) throw positionError('subtopic', `longer than ${maxLength} characters`, maxLength);
  const segments: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : DOT;
    if (c === STAR || c === HASH) {
      if (!wildcards) throw positionError('subtopic', `wildcard ${showChar(text, i)} is not allowed in a published subtopic`, i);
      const alone = i === start && (i + 1 === text.length || text.charCodeAt(i + 1) === DOT);
      if (!alone) throw positionError('subtopic', `wildcard ${showChar(text, i)} must be a whole segment`, i);
      if (c === HASH && i + 1 !== text.length) throw positionError('subtopic', "'#' is only allowed as the last segment", i);
      continue;
    }
    if (c !== DOT) {
      if (!isSegmentChar(c)) throw positionError('subtopic', `invalid character ${showChar(text, i)}`, i);
      if (i - start === maxSegmentLength) throw positionError('subtopic', `segment longer than ${maxSegmentLength} characters`, i);
      continue;
    }
    if (i === start) throw positionError('subtopic', 'empty segment', i);
    if (segments.length === maxSegments) throw positionError('subtopic', `more than ${maxSegments} segments`, start);
    segments.push(text.slice(start, i));
    start = i + 1;
  }
  return segments;
}
