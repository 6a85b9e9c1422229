import { strict as assert } from 'node:assert';
import { ActorGridError } from '../../src/errors';
import { SUBTOPIC_LIMITS, SubtopicPattern, checkSubtopic } from '../../src/destinations/SubtopicPattern';

/** Asserts a coded subtopic error at `position` whose message matches `what`. */
function rejects(run: () => unknown, position: number, what?: RegExp): ActorGridError {
  let caught: unknown;
  assert.throws(run, (err: unknown) => ((caught = err), true));
  assert.ok(caught instanceof ActorGridError, `expected an ActorGridError, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_ARGUMENTS', caught.message);
  assert.deepEqual(caught.data, { field: 'subtopic', position }, caught.message);
  assert.match(caught.message, new RegExp(`^subtopic: .+ at position ${position}$`));
  if (what) assert.match(caught.message, what);
  return caught;
}

const rejectsPattern = (text: string, position: number, what?: RegExp): ActorGridError =>
  rejects(() => SubtopicPattern.parse(text), position, what);

/** Rejected as a pattern and as a published subtopic alike. */
function rejectsBoth(text: string, position: number, what?: RegExp): void {
  rejectsPattern(text, position, what);
  rejects(() => checkSubtopic(text), position, what);
}

/** The rule, stated as directly as possible, to check the real matcher against. */
function reference(pattern: string[], subtopic: string[]): boolean {
  if (pattern.length === 0) return subtopic.length === 0;
  const [head, ...rest] = pattern;
  if (head === '#') return true;
  if (subtopic.length === 0) return false;
  return (head === '*' || head === subtopic[0]) && reference(rest, subtopic.slice(1));
}

describe('SubtopicPattern', () => {
  it('matches concrete patterns exactly, case-sensitively', () => {
    const p = SubtopicPattern.parse('sports.football.uk');
    assert.equal(p.isConcrete, true);
    assert.deepEqual(p.segments, ['sports', 'football', 'uk']);
    assert.equal(p.matches('sports.football.uk'), true);
    assert.equal(p.matches('sports.football'), false);
    assert.equal(p.matches('sports.football.uk.london'), false);
    assert.equal(p.matches('Sports.football.uk'), false);
    assert.equal(SubtopicPattern.parse('a').matches('a'), true);
    assert.equal(SubtopicPattern.parse('a').matches('ab'), false);
  });

  it('* matches exactly one segment', () => {
    const p = SubtopicPattern.parse('sports.*.uk');
    assert.equal(p.isConcrete, false);
    assert.equal(p.matches('sports.football.uk'), true);
    assert.equal(p.matches('sports.rugby.uk'), true);
    assert.equal(p.matches('sports.uk'), false);
    assert.equal(p.matches('sports.football.north.uk'), false);
    assert.equal(p.matches('sports.football.us'), false);
    const two = SubtopicPattern.parse('*.*');
    assert.equal(two.matches('a'), false);
    assert.equal(two.matches('a.b'), true);
    assert.equal(two.matches('a.b.c'), false);
    assert.equal(SubtopicPattern.parse('*').matches('anything'), true);
    assert.equal(SubtopicPattern.parse('*').matches('a.b'), false);
  });

  it('# matches zero or more trailing segments', () => {
    const p = SubtopicPattern.parse('sports.#');
    for (const s of ['sports', 'sports.football', 'sports.football.uk', 'sports.a.b.c.d.e']) assert.equal(p.matches(s), true, s);
    for (const s of ['sportsnews', 'sport', 'football.sports', 'news.sports.football']) assert.equal(p.matches(s), false, s);
    const all = SubtopicPattern.parse('#');
    for (const s of ['a', 'a.b', 'x.y.z']) assert.equal(all.matches(s), true, s);
    const oneOrMore = SubtopicPattern.parse('sports.*.#');
    assert.equal(oneOrMore.matches('sports'), false);
    assert.equal(oneOrMore.matches('sports.football'), true);
    assert.equal(oneOrMore.matches('sports.football.uk'), true);
  });

  it('never matches a message without a subtopic, not even #', () => {
    for (const text of ['#', '*', 'a', 'a.#']) assert.equal(SubtopicPattern.parse(text).matches(undefined), false, text);
  });

  it('does not throw on, or wrongly match, malformed subtopics', () => {
    assert.equal(SubtopicPattern.parse('a.*').matches('a.'), false);
    assert.equal(SubtopicPattern.parse('a.*.b').matches('a..b'), false);
    assert.equal(SubtopicPattern.parse('a.b').matches('a.b.'), false);
    assert.equal(SubtopicPattern.parse('a.*').matches(''), false);
    assert.equal(SubtopicPattern.parse('a.#').matches(42 as unknown as string), false);
  });

  it('agrees with the rule on 3000 random pattern/subtopic pairs', () => {
    let seed = 99;
    const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    let matched = 0;
    for (let i = 0; i < 3000; i++) {
      const pattern = Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(['a', 'b', '*', '*', 'ab']));
      if (next() < 0.4) pattern.push('#');
      const subtopic = Array.from({ length: 1 + Math.floor(next() * 5) }, () => pick(['a', 'b', 'ab']));
      const expected = reference(pattern, subtopic);
      assert.equal(SubtopicPattern.parse(pattern.join('.')).matches(subtopic.join('.')), expected, `${pattern.join('.')} / ${subtopic.join('.')}`);
      if (expected) matched++;
    }
    assert.ok(matched > 300 && matched < 2700, `${matched} matched`);
  });

  describe('errors', () => {
    it('rejects empty subtopics and empty segments at their position', () => {
      rejectsBoth('', 0, /empty/);
      rejectsBoth('.a', 0, /empty segment/);
      rejectsBoth('a..b', 2, /empty segment/);
      rejectsBoth('a.', 2, /empty segment/);
      rejectsBoth('.', 0, /empty segment/);
    });

    it('rejects characters outside letters, digits, _ and -', () => {
      rejectsBoth('a b', 1, /invalid character ' '/);
      rejectsBoth('sports/uk', 6, /invalid character '\/'/);
      rejectsBoth('café', 3, /invalid character U\+00E9/);
      rejectsBoth('a.b c', 3, /invalid character/);
      rejectsBoth('a.$', 2, /invalid character '\$'/);
      rejectsBoth('a\n', 1, /invalid character U\+000A/);
      assert.equal(checkSubtopic('Az_09-x.Y'), 'Az_09-x.Y');
    });

    it('rejects wildcards that are not a whole segment, and # before the end', () => {
      rejectsPattern('a*', 1, /wildcard '\*' must be a whole segment/);
      rejectsPattern('*a', 0, /must be a whole segment/);
      rejectsPattern('a.b#', 3, /wildcard '#' must be a whole segment/);
      rejectsPattern('**', 0, /must be a whole segment/);
      rejectsPattern('##', 0, /must be a whole segment/);
      rejectsPattern('#.a', 0, /'#' is only allowed as the last segment/);
      rejectsPattern('a.#.b', 2, /only allowed as the last segment/);
      rejectsPattern('a.#.#', 2, /only allowed as the last segment/);
    });

    it('refuses wildcards in a published subtopic', () => {
      rejects(() => checkSubtopic('sports.*'), 7, /wildcard '\*' is not allowed in a published subtopic/);
      rejects(() => checkSubtopic('#'), 0, /wildcard '#' is not allowed in a published subtopic/);
      rejects(() => SubtopicPattern.checkSubtopic('a.b.#'), 4, /not allowed in a published subtopic/);
      assert.equal(SubtopicPattern.checkSubtopic('a.b'), 'a.b');
    });

    it('rejects a value that is not a string', () => {
      rejects(() => checkSubtopic(5 as unknown as string), 0, /must be a string/);
      rejects(() => SubtopicPattern.parse(null as unknown as string), 0, /must be a string/);
    });
  });

  describe('limits', () => {
    it(`takes segments of ${SUBTOPIC_LIMITS.maxSegmentLength} characters, not one more`, () => {
      const long = 'x'.repeat(64);
      assert.equal(checkSubtopic(`a.${long}`), `a.${long}`);
      rejectsBoth(`a.${long}y.b`, 66, /segment longer than 64 characters/);
    });

    it(`takes ${SUBTOPIC_LIMITS.maxSegments} segments, not one more`, () => {
      const segments = Array.from({ length: 16 }, (_, i) => `s${i}`);
      assert.equal(SubtopicPattern.parse(segments.join('.')).matches(segments.join('.')), true);
      const pattern = [...segments.slice(0, 15), '#'].join('.');
      assert.equal(SubtopicPattern.parse(pattern).matches(segments.join('.')), true);
      const seventeen = `${segments.join('.')}.x`;
      rejectsBoth(seventeen, seventeen.length - 1, /more than 16 segments/);
      rejectsPattern(`${segments.join('.')}.#`, seventeen.length - 1, /more than 16 segments/);
    });

    it(`takes ${SUBTOPIC_LIMITS.maxLength} characters, not one more`, () => {
      const text = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64), 'd'.repeat(61)].join('.');
      assert.equal(text.length, 256);
      assert.equal(checkSubtopic(text), text);
      rejectsBoth(`${text}e`, 256, /longer than 256 characters/);
    });
  });
});
