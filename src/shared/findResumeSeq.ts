import type { GridStream } from '../grid';

/**
 * Where a subscriber that has version `since` resumes in an object's stream: the sequence of the
 * first change after `since`, or the tail + 1 when the stream holds nothing newer yet (newer
 * versions are still to be appended). Undefined when the stream no longer holds version `since + 1`
 * (overwritten, past retention): the subscriber needs a snapshot. Versions grow along the stream
 * (a repeated one may follow itself), so a binary search finds the place in ~log2(retention) reads.
 */
export async function findResumeSeq(stream: GridStream, since: number, versionOf: (bytes: Buffer) => number): Promise<number | undefined> {
  const head = await stream.head();
  const tail = await stream.tail();
  if (tail < head) return undefined;
  const versionAt = async (seq: number): Promise<number | undefined> => {
    const { items } = await stream.read(seq, 1);
    return items.length > 0 && items[0].seq === seq ? versionOf(items[0].value) : undefined;
  };
  const first = await versionAt(head);
  if (first === undefined || first > since + 1) return undefined;
  let lo = head;
  let hi = tail + 1; // the first seq whose version is > since lies in [lo, hi]
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const version = await versionAt(mid);
    if (version === undefined) return undefined; // overwritten while we looked
    if (version > since) hi = mid;
    else lo = mid + 1;
  }
  if (lo <= tail) {
    const version = await versionAt(lo);
    if (version !== since + 1) return undefined;
  }
  return lo;
}
