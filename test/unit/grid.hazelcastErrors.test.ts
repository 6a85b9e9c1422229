import { strict as assert } from 'node:assert';
import { HazelcastError, UndefinedErrorCodeError } from 'hazelcast-client';
import { translateError } from '../../src/grid/hazelcast/hazelcastErrors';
import { ActorGridError } from '../../src/errors';

/**
 * How the PostgreSQL MapStore's exceptions reach a node: the Node client turns a Java exception it
 * has no code for into an UndefinedErrorCodeError whose message starts with `Class name: <class>`
 * (seen against real members in test/integration/persistenceOutage.test.ts).
 */
describe('translateError: MapStore exceptions', () => {
  const javaError = (className: string, message: string, cause?: Error): UndefinedErrorCodeError =>
    new UndefinedErrorCodeError(`Class name: ${className}, Message: ${message}`, cause, []);

  it('turns StoreUnavailableException into a retryable UNAVAILABLE naming the database', () => {
    const err = translateError(javaError('io.actorgrid.mapstore.StoreUnavailableException', 'actorgrid-mapstore: load actor.Counter[a]: refused'));
    assert.ok(err instanceof ActorGridError);
    assert.equal(err.code, 'UNAVAILABLE');
    assert.equal(err.retryable, true);
    assert.equal(err.message, "the grid's database is unreachable: actorgrid-mapstore: load actor.Counter[a]: refused");
  });

  it('finds it as the cause of another error', () => {
    const inner = javaError('io.actorgrid.mapstore.StoreUnavailableException', 'down');
    const err = translateError(new HazelcastError('wrapped', inner, []));
    assert.ok(err instanceof ActorGridError);
    assert.equal(err.code, 'UNAVAILABLE');
  });

  it('passes a database refusal (StoreFailedException) and other classes through unchanged', () => {
    for (const className of ['io.actorgrid.mapstore.StoreFailedException', 'io.actorgrid.mapstore.StoreUnavailableExceptionX', 'java.lang.RuntimeException']) {
      const original = javaError(className, 'no');
      assert.equal(translateError(original), original, className);
    }
  });
});
