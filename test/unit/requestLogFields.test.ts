import { strict as assert } from 'node:assert';
import { requestLogFields } from '../../src/protocol/requestLogFields';
import { Logger } from '../../src/runtime/Logger';

describe('request log lines', () => {
  it('carry the request id and the subject, and client-chosen values only as clipped fields', () => {
    const lines: string[] = [];
    const log = new Logger('info', 'test', (line) => lines.push(line), 'json');
    const forged = `x\n{"level":"error","msg":"forged"}${'y'.repeat(1_000_000)}`;
    const session = { id: 'req-1', transport: 'ws' as const, identity: { principal: { subject: 'ada', roles: [], via: 'jwt' as const, claims: {} } } };
    log.error('internal error', { ...requestLogFields({ method: forged, id: forged, session }), err: new Error('boom') });
    assert.equal(lines.length, 1);
    assert.ok(lines[0].length < 5000, `a line of ${lines[0].length} characters`);
    const line = JSON.parse(lines[0]);
    assert.equal(line.msg, 'internal error');
    assert.equal(line.requestId, 'req-1');
    assert.equal(line.subject, 'ada');
    assert.equal(line.transport, 'ws');
    assert.ok(line.method.startsWith('x\n{"level"') && line.method.endsWith('…'));
    assert.equal(line.rpcId, line.method);
  });
});
