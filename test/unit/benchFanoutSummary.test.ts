import { strict as assert } from 'node:assert';
import { renderFanout, summarizeFanout, type FanoutKind, type FanoutSample } from '../../bench/fanoutSection';
import type { FanoutSide } from '../../bench/fanout';
import type { FanoutOptions } from '../../bench/options';

/**
 * The fan-out section's summaries (bench/fanoutSection.ts): per-round ratios of actorgrid against
 * each baseline, and the tables with and without the Socket.IO peer. Synthetic samples, no I/O.
 */
describe('bench (f) fan-out summaries', function () {
  const options: FanoutOptions = {
    subscribers: [100],
    latencySubscribers: 100,
    compact: true,
    rounds: 2,
    durationMs: 1000,
    warmupMs: 0,
    window: 32,
    latencyRate: 200,
    latencyMs: 1000,
    bodyBytes: 128,
  };
  const sample = (side: FanoutSide, kind: FanoutKind, round: number, perSec: number, p50Ms: number, cpuMs: Record<string, number>): FanoutSample => ({
    kind,
    subscribers: 100,
    round,
    side,
    messages: perSec / 100,
    elapsedMs: 1000,
    deliveries: perSec,
    deliveriesPerSec: perSec,
    messagesPerSec: perSec / 100,
    p50Ms,
    p99Ms: p50Ms * 4,
    maxMs: p50Ms * 8,
    missing: 0,
    checks: { delivered: perSec, gaps: 0, gapMessages: 0, duplicates: 0, serverGaps: 0, stray: 0 },
    publishErrors: 0,
    stalled: false,
    frameBytes: side === 'socketio' ? 138 : 316,
    cpuMs: { ...cpuMs, other: 0 },
    gridOps: {},
  });
  const twoSides = (): FanoutSample[] => [
    sample('actorgrid', 'throughput', 1, 90_000, 30, { node1: 400 }),
    sample('raw', 'throughput', 1, 100_000, 20, { raw1: 300 }),
    sample('actorgrid', 'throughput', 2, 60_000, 30, { node1: 400 }),
    sample('raw', 'throughput', 2, 100_000, 20, { raw1: 300 }),
    sample('actorgrid', 'latency', 1, 20_000, 3, { node1: 100 }),
    sample('raw', 'latency', 1, 20_000, 1, { raw1: 50 }),
  ];

  it('gives actorgrid ÷ Socket.IO per round beside actorgrid ÷ raw, and shows an unreadable redis-server as n/a, an idle one as 0', function () {
    const samples = [
      ...twoSides(),
      sample('socketio', 'throughput', 1, 45_000, 25, { sio1: 300, redis: NaN }),
      sample('socketio', 'throughput', 2, 60_000, 25, { sio1: 300, redis: NaN }),
      sample('socketio', 'latency', 1, 20_000, 2, { sio1: 80, redis: 0 }),
    ];
    const [throughput, latency] = summarizeFanout(samples, options);
    assert.deepEqual(throughput.ratio, { median: 0.75, min: 0.6, max: 0.9 });
    // Round 1: 90,000 ÷ 45,000 = 2; round 2: 60,000 ÷ 60,000 = 1.
    assert.deepEqual(throughput.socketioRatio, { median: 1.5, min: 1, max: 2 });
    assert.equal(throughput.socketio?.frameBytes, 138);
    assert.deepEqual(latency.socketioRatio, { median: 1.5, min: 1.5, max: 1.5 });
    assert.deepEqual(latency.socketioP99Ratio, { median: 1.5, min: 1.5, max: 1.5 });
    const text = renderFanout([throughput, latency], options);
    assert.match(text, /Socket\.IO \+ Redis adapter \(2 servers\)\s+actorgrid ÷ raw\s+actorgrid ÷ Socket\.IO/);
    assert.match(text, /sio1 \d[\d.,]*, redis n\/a/);
    assert.match(text, /sio1 \d[\d.,]*, redis 0\.00/); // less than a clock tick still shows
  });

  it('keeps the two-sided table when the Socket.IO peer is left out', function () {
    const summaries = summarizeFanout(twoSides(), options);
    assert.equal(summaries[0].socketio, undefined);
    assert.equal(summaries[0].socketioRatio, undefined);
    const text = renderFanout(summaries, options);
    assert.match(text, /raw ws broadcast \(2 servers\)\s+ratio actorgrid ÷ raw\n/);
    assert.doesNotMatch(text, /Socket\.IO/);
  });
});
