import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { Action, Actor, ActorRegistry, Query, type ActorMethod } from '../../src/actor';
import { ActorGridError } from '../../src/errors';

interface Options {
  size: number;
}

@Actor('Checked')
class Checked {
  @Action() increment(by: number = 1): void {}
  @Action() rename(name: string, upper: boolean = false): void {}
  @Action() question(name: string, upper?: boolean): void {}
  @Action() tags(list: string[]): void {}
  @Action() configure(options: Options): void {}
  @Action() anything(value: unknown): void {}
  @Action() when(at: Date): void {}
  @Query() none(): void {}
  @Action({ params: [{ type: 'integer', minimum: 1 }] }) bounded(n: number): void {}
  @Action({ params: [undefined, { type: 'string', maxLength: 3 }] }) mixed(a: number, b: string): void {}
  @Action({ params: [{ type: ['string', 'null'] }] }) nullable(value: string | null): void {}
  @Action({ params: [{ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }] }) nested(value: object): void {}
}

const type = new ActorRegistry().register(Checked).type('Checked');

function method(name: string): ActorMethod {
  return type.method(name);
}

/** Asserts INVALID_ARGUMENTS with the given data entries; returns the error for more checks. */
function rejects(name: string, args: unknown, data: Record<string, unknown>): ActorGridError {
  let caught: unknown;
  assert.throws(
    () => method(name).checkArgs(args),
    (err: unknown) => ((caught = err), true),
  );
  assert.ok(caught instanceof ActorGridError, `expected an ActorGridError, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_ARGUMENTS', caught.message);
  for (const [key, value] of Object.entries(data)) assert.deepStrictEqual(caught.data?.[key], value, `${key} in ${caught.message}`);
  return caught;
}

function accepts(name: string, args: unknown[]): void {
  assert.equal(method(name).checkArgs(args), args);
}

describe('ActorMethod.checkArgs', () => {
  it('checks numbers: increment("abc") is INVALID_ARGUMENTS', () => {
    const err = rejects('increment', ['abc'], { index: 0, expected: 'must be a finite number', got: 'string' });
    assert.match(err.message, /Checked\.increment.*argument 0/);
    rejects('increment', [null], { index: 0, got: 'null' });
    rejects('increment', [Number.NaN], { index: 0, got: 'NaN' });
    rejects('increment', [Infinity], { index: 0, got: 'Infinity' });
    rejects('increment', [[1]], { index: 0, got: 'array' });
    accepts('increment', [2.5]);
    accepts('increment', [-3]);
  });

  it('accepts a missing or undefined optional argument', () => {
    accepts('increment', []);
    accepts('increment', [undefined]);
    accepts('rename', ['a']);
    accepts('rename', ['a', undefined]);
  });

  it('refuses a missing required argument', () => {
    rejects('rename', [], { index: 0, expected: 'must be a string', got: 'undefined' });
    rejects('rename', [undefined, true], { index: 0 });
  });

  it('counts a `?` parameter without a default as required (it is invisible at run time)', () => {
    rejects('question', ['a'], { index: 1, expected: 'must be a boolean', got: 'undefined' });
    accepts('question', ['a', true]);
  });

  it('refuses too many arguments', () => {
    const err = rejects('increment', [1, 2], { index: 1, expected: 'at most 1 arguments', got: '2 arguments' });
    assert.match(err.message, /at most 1 argument, got 2/);
    rejects('none', [1], { index: 0 });
    rejects('rename', ['a', true, 'extra'], { index: 2 });
    accepts('none', []);
  });

  it('refuses arguments that are not an array', () => {
    for (const args of ['x', { 0: 1 }, null, undefined, 5]) rejects('none', args, { expected: 'an array of arguments' });
  });

  it('checks strings, booleans and arrays', () => {
    rejects('rename', [5], { index: 0, expected: 'must be a string', got: 'number' });
    rejects('rename', ['a', 'yes'], { index: 1, expected: 'must be a boolean', got: 'string' });
    accepts('rename', ['a', false]);
    rejects('tags', ['x'], { index: 0, expected: 'must be an array', got: 'string' });
    rejects('tags', [{ length: 0 }], { index: 0, got: 'object' });
    accepts('tags', [[]]);
  });

  it('takes interfaces, unions and unknown (Object) as any non-null value', () => {
    rejects('configure', [null], { index: 0, expected: 'must not be null', got: 'null' });
    rejects('anything', [null], { index: 0 });
    rejects('configure', [], { index: 0 });
    accepts('configure', [{ size: 1 }]);
    accepts('configure', ['not checked deeper']);
    accepts('anything', [0]);
  });

  it('accepts any value for other declared types', () => {
    accepts('when', ['2024-01-01']);
    accepts('when', [null]);
    accepts('when', [{}]);
  });

  it('validates explicit params schemas instead of the inferred checks', () => {
    rejects('bounded', [0], { index: 0, expected: 'must be >= 1', got: 'number' });
    rejects('bounded', [1.5], { index: 0, expected: 'must be integer' });
    rejects('bounded', ['2'], { index: 0, got: 'string' }); // no coercion
    accepts('bounded', [2]);
    accepts('nullable', [null]);
    accepts('nullable', ['x']);
    rejects('nullable', [1], { index: 0 });
    rejects('nested', [{ name: 1 }], { index: 0, expected: 'at /name must be string' });
    rejects('nested', [{}], { index: 0 });
    accepts('nested', [{ name: 'n' }]);
  });

  it('mixes schemas with inferred checks per index', () => {
    rejects('mixed', ['1', 'ab'], { index: 0, expected: 'must be a finite number' });
    rejects('mixed', [1, 'abcd'], { index: 1, expected: 'must NOT have more than 3 characters' });
    rejects('mixed', [1], { index: 1, got: 'undefined' });
    accepts('mixed', [1, 'abc']);
  });

  it('does not mutate the arguments', () => {
    const args: unknown[] = [{ name: 'n', extra: 1 }];
    accepts('nested', args);
    assert.deepEqual(args, [{ name: 'n', extra: 1 }]);
  });
});
