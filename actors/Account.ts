import { Action, Actor, ActorContext, Query, State } from '../src';

/**
 * A bank account. `withdraw` throws on insufficient funds: the call fails with ACTOR_ERROR and the
 * balance is unchanged. `transfer` calls the other Account from inside this one's turn.
 *
 * curl -X POST localhost:8080/actors/Account/bob/deposit -H 'content-type: application/json' -d '[100]'
 */
@Actor('Account')
export class Account {
  @State() funds = 0;

  /** Adds `amount`; returns the new balance. */
  @Action()
  deposit(amount: number): number {
    positive(amount);
    if (!Number.isFinite(this.funds + amount)) throw new Error(`deposit would overflow: balance ${this.funds}, deposit ${amount}`);
    this.funds += amount;
    return this.funds;
  }

  /** Takes `amount` out; throws when the balance is too low. Returns the new balance. */
  @Action()
  withdraw(amount: number): number {
    positive(amount);
    if (amount > this.funds) throw new Error(`insufficient funds: balance ${this.funds}, asked ${amount}`);
    this.funds -= amount;
    return this.funds;
  }

  /**
   * Moves `amount` to account `toId`; returns this account's new balance. If the deposit fails, this
   * call fails too and this account's balance is unchanged.
   */
  @Action()
  async transfer(toId: string, amount: number): Promise<number> {
    const ctx = ActorContext.current();
    if (toId === ctx.actorId) throw new Error('cannot transfer to the same account');
    this.withdraw(amount);
    await ctx.actor(Account, toId).deposit(amount);
    return this.funds;
  }

  /** The balance, read without a lock. */
  @Query()
  balance(): number {
    return this.funds;
  }
}

function positive(amount: number): void {
  if (!Number.isFinite(amount) || amount <= 0) throw new Error(`amount must be a positive number, got ${amount}`);
}
