import { strict as assert } from 'node:assert';
import { Packr } from 'msgpackr';
import { ActorGridError, ERROR_CODES, type ErrorCode } from '../../src/errors';
import {
  Codecs,
  Dispatcher,
  encodeReply,
  httpErrorBody,
  JsonCodec,
  MsgpackCodec,
  toErrorObject,
  type JsonRpcResponse,
} from '../../src/protocol';

function parseError(fn: () => unknown): ActorGridError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ActorGridError, `expected an ActorGridError, got ${String(err)}`);
    assert.equal(err.code, 'PARSE_ERROR');
    return err;
  }
  assert.fail('expected PARSE_ERROR');
}

describe('JsonCodec', () => {
  const json = new JsonCodec();

  it('decodes strings and UTF-8 bytes, encodes to a string', () => {
    assert.deepEqual(json.decode('[1,"é"]'), [1, 'é']);
    assert.deepEqual(json.decode(Buffer.from('{"a":"é"}')), { a: 'é' });
    assert.equal(json.encode({ a: [1, null] }), '{"a":[1,null]}');
  });

  it('throws PARSE_ERROR for malformed and empty documents', () => {
    assert.match(parseError(() => json.decode('{"a":')).message, /invalid JSON/);
    parseError(() => json.decode(''));
    parseError(() => json.decode(Buffer.from([0xff, 0xfe])));
  });

  it('rejects prototype poisoning, even spelled with escapes, and lets harmless look-alikes through', () => {
    parseError(() => json.decode('{"a":{"__proto__":{"admin":true}}}'));
    parseError(() => json.decode('{"\\u005f_proto__":{"admin":true}}'));
    parseError(() => json.decode('[{"constructor":{"prototype":{"admin":true}}}]'));
    assert.deepEqual(json.decode('{"constructor":"fine","note":"\\u00e9 __proto__"}'), { constructor: 'fine', note: 'é __proto__' });
  });

  it('throws when a value has no JSON form', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    assert.throws(() => json.encode(loop));
    assert.throws(() => json.encode(undefined));
  });
});

describe('MsgpackCodec', () => {
  const msgpack = new MsgpackCodec();
  const request = { jsonrpc: '2.0', id: 1, method: 'actor.call', params: { type: 'T', id: 'a', method: 'm', args: [1, 'x', true] } };

  it('round-trips values and writes portable msgpack (no records, undefined as nil)', () => {
    const bytes = msgpack.encode(request);
    assert.deepEqual(msgpack.decode(bytes), request);
    assert.deepEqual(new Packr({ useRecords: false, mapsAsObjects: true }).unpack(bytes), request);
    assert.deepEqual([...msgpack.encode(undefined)], [0xc0]);
    assert.deepEqual(msgpack.decode(msgpack.encode({ a: undefined })), { a: null });
    // A map (0x8X / 0xde / 0xdf), not msgpackr's record extension (0xd4 0x72 …).
    assert.ok([0xde, 0xdf].includes(msgpack.encode({ a: 1 })[0]) || (msgpack.encode({ a: 1 })[0] & 0xf0) === 0x80);
  });

  it('decodes 64-bit integers to numbers, so results stay JSON-encodable', () => {
    const bytes = Buffer.from([0xcf, 0, 0, 0, 1, 0, 0, 0, 0]);
    assert.equal(msgpack.decode(bytes), 2 ** 32);
  });

  const garbage: [string, Buffer | string][] = [
    ['an empty buffer', Buffer.alloc(0)],
    ['text', Buffer.from('hello world')],
    ['half a document', new MsgpackCodec().encode(request).subarray(0, 12)],
    ['trailing bytes', Buffer.concat([new MsgpackCodec().encode([1]), Buffer.from([0x01])])],
    ['the reserved byte 0xc1', Buffer.from([0xc1])],
    ['an unknown extension', Buffer.from([0xd4, 0x05, 0x00])],
    ['a huge declared length', Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])],
    ['nesting deep enough to overflow the stack', Buffer.concat([Buffer.alloc(200_000, 0x91), Buffer.from([0x01])])],
    ['a map with a map as key', Buffer.from([0x81, 0x80, 0x01])],
  ];
  for (const [what, bytes] of garbage) {
    it(`throws PARSE_ERROR for ${what} and keeps working`, () => {
      assert.match(parseError(() => msgpack.decode(bytes)).message, /invalid msgpack/);
      assert.deepEqual(msgpack.decode(msgpack.encode(request)), request);
    });
  }

  it('refuses the prototype-poisoning keys the JSON codec refuses, the same way', () => {
    const packr = new Packr({ useRecords: false });
    const evil = Buffer.concat([Buffer.from([0x81, 0xa9]), Buffer.from('__proto__'), Buffer.from([0x81, 0xa5]), Buffer.from('admin'), Buffer.from([0xc3])]);
    const fromMsgpack = parseError(() => msgpack.decode(evil)).message;
    const fromJson = parseError(() => new JsonCodec().decode('{"__proto__":{"admin":true}}')).message;
    assert.equal(fromMsgpack.replace('msgpack', 'JSON'), fromJson);
    parseError(() => msgpack.decode(packr.pack([{ constructor: { prototype: { admin: true } } }])));
    assert.deepEqual(msgpack.decode(packr.pack({ constructor: 'fine', prototype: 1, note: '__proto__' })), { constructor: 'fine', prototype: 1, note: '__proto__' });
  });

  it('refuses structured-clone references and every extension but timestamps; Dates still decode', () => {
    const cloning = new Packr({ structuredClone: true, useRecords: false });
    const shared = { a: 1 };
    const refs = cloning.pack([shared, shared]);
    assert.match(parseError(() => msgpack.decode(refs)).message, /extension types are not accepted/);
    parseError(() => msgpack.decode(new Packr({ moreTypes: true }).pack(new Set([1]))));
    parseError(() => msgpack.decode(new Packr({ moreTypes: true }).pack(new Error('x'))));
    const when = new Date('2026-01-02T03:04:05.678Z');
    assert.deepEqual(msgpack.decode(msgpack.encode({ when })), { when });
  });

  it('refuses a small frame that declares more than it holds, without building it', () => {
    // array32 of 2^32-1 items, str32 of 4 GiB, map32, bin32: 5-byte frames announcing gigabytes.
    for (const head of [[0xdd], [0xdb], [0xdf], [0xc6]]) {
      parseError(() => msgpack.decode(Buffer.from([...head, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02])));
    }
    // A declared length the bytes do hold is fine.
    const honest = Buffer.from([0xdc, 0x00, 0x03, 0xc0, 0xc0, 0xc0]);
    assert.deepEqual(msgpack.decode(honest), [null, null, null]);
  });

  it('refuses nesting deeper than its maxDepth, JSON alike', () => {
    const small = new Codecs({ maxDepth: 3 });
    const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)]);
    assert.deepEqual(small.msgpack.decode(small.msgpack.encode(nested(3))), nested(3));
    assert.deepEqual(small.json.decode(JSON.stringify(nested(3))), nested(3));
    assert.match(parseError(() => small.msgpack.decode(small.msgpack.encode(nested(4)))).message, /nested deeper than 3 levels/);
    assert.match(parseError(() => small.json.decode(JSON.stringify(nested(4)))).message, /nested deeper than 3 levels/);
    assert.deepEqual(small.json.decode('[["[[[[{{{\\"]]"]]'), [['[[[[{{{"]]']]); // brackets inside strings do not count
    const deep = '['.repeat(1440) + ']'.repeat(1440);
    parseError(() => new JsonCodec().decode(deep));
  });

  it('never repeats the input or msgpackr\'s own words in its errors', () => {
    const secret = 'x'.repeat(50) + 'SECRET';
    assert.doesNotMatch(parseError(() => new JsonCodec().decode(`{"a": ${secret}}`)).message, /SECRET|xxxx/);
    assert.equal(parseError(() => msgpack.decode(Buffer.from([0x92, 0x01, 0x81, 0x01, 0x02]))).message, 'invalid msgpack: map keys must be strings');
  });
});

describe('Codecs', () => {
  const codecs = new Codecs();

  it('picks a codec by Content-Type, ignoring case and parameters', () => {
    assert.equal(codecs.forContentType('application/json'), codecs.json);
    assert.equal(codecs.forContentType('Application/JSON; charset=utf-8'), codecs.json);
    assert.equal(codecs.forContentType('application/msgpack'), codecs.msgpack);
    assert.equal(codecs.forContentType('application/x-msgpack'), codecs.msgpack);
    assert.equal(codecs.forContentType('text/plain'), undefined);
    assert.equal(codecs.forContentType(undefined), undefined);
  });

  it('negotiates the response codec from Accept', () => {
    assert.equal(codecs.forAccept(undefined), codecs.json);
    assert.equal(codecs.forAccept('*/*'), codecs.json);
    assert.equal(codecs.forAccept('application/msgpack'), codecs.msgpack);
    assert.equal(codecs.forAccept('application/json, application/msgpack'), codecs.msgpack);
    assert.equal(codecs.forAccept('application/json, application/msgpack;q=0.5'), codecs.json);
    assert.equal(codecs.forAccept('application/msgpack;q=0'), codecs.json);
    assert.equal(codecs.forAccept('text/html', codecs.msgpack), codecs.msgpack);
  });

  it('gives each instance its own msgpack encoder', () => {
    assert.notEqual(new Codecs().msgpack, codecs.msgpack);
  });
});

describe('wire errors', () => {
  it('map every code of the table to its HTTP status and JSON-RPC number', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const err = new ActorGridError(code, `failed with ${code}`, { detail: 1 });
      const http = httpErrorBody(err);
      assert.equal(http.status, ERROR_CODES[code].http, code);
      assert.equal(http.body.error.code, code);
      const rpc = toErrorObject(err);
      assert.equal(rpc.code, ERROR_CODES[code].rpc, code);
      assert.equal(rpc.data.code, code);
      if (code === 'INTERNAL') {
        assert.deepEqual(http.body.error, { code, message: 'internal error' });
        assert.deepEqual(rpc, { code: -32603, message: 'internal error', data: { code } });
      } else {
        assert.deepEqual(http.body.error, { code, message: `failed with ${code}`, data: { detail: 1 } });
        assert.deepEqual(rpc.data, { code, detail: 1 });
      }
    }
  });

  it('leave data out of the HTTP body when the error has none, and hide non-coded errors', () => {
    assert.deepEqual(httpErrorBody(new ActorGridError('CONFLICT', 'lost the lease')), {
      status: 409,
      body: { error: { code: 'CONFLICT', message: 'lost the lease' } },
    });
    const hidden = httpErrorBody(new TypeError('x is undefined at line 3'));
    assert.deepEqual(hidden, { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } });
  });
});

function cyclic(): unknown {
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  return loop;
}

describe('encodeReply', () => {
  it('replaces only the unencodable response of a batch with INTERNAL and reports it', () => {
    const reported: unknown[] = [];
    const dispatcher = new Dispatcher({ onInternalError: (err) => reported.push(err) });
    const batch: JsonRpcResponse[] = [
      { jsonrpc: '2.0', id: 1, result: 'ok' },
      { jsonrpc: '2.0', id: 2, result: cyclic() },
    ];
    const decoded = JSON.parse(encodeReply(new JsonCodec(), batch, dispatcher) as string);
    assert.deepEqual(decoded, [
      { jsonrpc: '2.0', id: 1, result: 'ok' },
      { jsonrpc: '2.0', id: 2, error: { code: -32603, message: 'internal error', data: { code: 'INTERNAL' } } },
    ]);
    assert.equal(reported.length, 1);
  });
});
