import { strict as assert } from 'node:assert';
import { Account } from '../../actors/Account';
import { Counter } from '../../actors/Counter';
import { ShoppingCart } from '../../actors/ShoppingCart';

/** The example actors' own argument and result checks (their methods called directly, no node). */
describe('example actors refuse numbers that overflow', () => {
  it('Counter: a sum past Number.MAX_VALUE is refused and the value kept', () => {
    const counter = new Counter();
    assert.equal(counter.increment(1e308), 1e308);
    assert.throws(() => counter.increment(1e308), /increment would overflow/);
    assert.equal(counter.get(), 1e308);
    assert.throws(() => counter.increment(-Infinity), /not a finite number/);
  });

  it('Account: a deposit that would make the balance infinite is refused; non-finite amounts too', () => {
    const account = new Account();
    account.deposit(1e308);
    assert.throws(() => account.deposit(1e308), /deposit would overflow/);
    assert.equal(account.balance(), 1e308);
    assert.throws(() => account.deposit(Number.POSITIVE_INFINITY), /positive number/);
    assert.throws(() => account.withdraw(Number.NaN), /positive number/);
  });

  it('ShoppingCart: a quantity past the safe integers is refused', () => {
    const cart = new ShoppingCart();
    cart.add('apple', Number.MAX_SAFE_INTEGER);
    assert.throws(() => cart.add('apple', 1), /qty would overflow/);
    assert.equal(cart.items()[0].qty, Number.MAX_SAFE_INTEGER);
  });
});
