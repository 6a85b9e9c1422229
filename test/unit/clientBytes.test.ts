import { strict as assert } from 'node:assert';
import { createClientCodec, utf8Length } from '../../src/client/clientCodec';
import { newIdempotencyKey } from '../../src/client/clientRequest';

/** The client's Buffer-free byte handling (it runs in browsers): sizes, bodies and keys. */
describe('client bytes without Buffer', function () {
  it('counts UTF-8 bytes as Buffer.byteLength does, surrogate pairs and lone surrogates included', function () {
    const samples = ['', 'plain ascii', 'é', 'ß€', '日本語', '😀', 'a😀b', '\ud83d', '\ude00x', 'x\ud83d', '\u07ff\u0800\uffff', '𝄞'.repeat(100)];
    for (const text of samples) assert.equal(utf8Length(text), Buffer.byteLength(text), JSON.stringify(text));
  });

  it('decodes JSON and msgpack bodies from a Uint8Array by their content type', function () {
    const json = createClientCodec('json');
    const msgpack = createClientCodec('msgpack');
    const value = { result: { n: 1, text: 'héllo 😀', list: [1, 2] } };
    assert.deepEqual(json.decodeBody(new TextEncoder().encode(JSON.stringify(value)), 'application/json; charset=utf-8'), value);
    const packed = msgpack.encode(value) as Uint8Array;
    assert.deepEqual(json.decodeBody(Uint8Array.from(packed), 'application/msgpack'), value);
    assert.deepEqual(msgpack.decode(Uint8Array.from(packed)), value, 'a binary frame is msgpack');
    assert.deepEqual(msgpack.decode(JSON.stringify(value)), value, 'a text frame is JSON');
  });

  it('reads replies nested deeper than the node takes requests (a stored value comes back wrapped)', function () {
    let value: unknown = 1;
    for (let i = 0; i < 100; i++) value = [value];
    const reply = { jsonrpc: '2.0', id: 1, result: { records: [{ value }] } };
    assert.deepEqual(createClientCodec('json').decode(JSON.stringify(reply)), reply);
    const msgpack = createClientCodec('msgpack');
    assert.deepEqual(msgpack.decode(msgpack.encode(reply) as Uint8Array), reply);
  });

  it('makes idempotency keys without crypto.randomUUID too (a browser page on plain http has none)', function () {
    const withUuid = newIdempotencyKey();
    assert.match(withUuid, /^c-[0-9a-f-]{36}$/);
    Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      const keys = new Set(Array.from({ length: 100 }, () => newIdempotencyKey()));
      assert.equal(keys.size, 100);
      for (const key of keys) assert.match(key, /^c-[0-9a-f]{32}$/);
    } finally {
      delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID;
    }
    assert.equal(typeof globalThis.crypto.randomUUID, 'function', 'restored');
  });
});
