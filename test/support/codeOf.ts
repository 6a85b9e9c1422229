import { strict as assert } from 'node:assert';
import { ActorGridError } from '../../src/errors';

/** Awaits `p`, which must reject with a coded error, and returns the error's code. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ActorGridError, `expected a coded error, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected the call to fail');
}
