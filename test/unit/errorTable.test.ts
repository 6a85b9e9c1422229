import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES, HTTP_STATUS, JSON_RPC_CODE, isRetryable, type ErrorCode } from '../../src/errors';

/** The protocol doc's error table, parsed: code → [http, rpc, retryable]. */
function documentedErrors(): Map<string, [number, number, boolean]> {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'protocol.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Errors'));
  const rows = new Map<string, [number, number, boolean]>();
  for (const line of section.split('\n')) {
    const m = /^\| ([A-Z_]+) \| (\d+) \| (-\d+) \| (yes|no) \|/.exec(line);
    if (m) rows.set(m[1], [Number(m[2]), Number(m[3]), m[4] === 'yes']);
  }
  return rows;
}

describe('the error table', function () {
  it('matches docs/protocol.md code for code, status for status', function () {
    const documented = documentedErrors();
    const codes = Object.keys(ERROR_CODES) as ErrorCode[];
    assert.deepEqual([...documented.keys()].sort(), [...codes].sort(), 'the same codes in code and docs');
    for (const code of codes) {
      assert.deepEqual(documented.get(code), [HTTP_STATUS[code], JSON_RPC_CODE[code], isRetryable(code)], code);
    }
  });

  it('gives every code a distinct JSON-RPC code, in the ranges JSON-RPC allows', function () {
    const rpc = Object.values(JSON_RPC_CODE);
    assert.equal(new Set(rpc).size, rpc.length);
    for (const c of rpc) assert.ok((c <= -32000 && c >= -32099) || (c <= -32600 && c >= -32700), String(c));
  });

  it('keeps the codes PROTOCOL.md fixed', function () {
    assert.equal(JSON_RPC_CODE.PARSE_ERROR, -32700);
    assert.equal(JSON_RPC_CODE.INTERNAL, -32603);
    assert.equal(HTTP_STATUS.ACTOR_ERROR, 422);
    assert.equal(HTTP_STATUS.LOCK_TIMEOUT, 503);
  });
});
