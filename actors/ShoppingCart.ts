import { Action, Actor, Query, State } from '../src';

/** One line of a cart. */
export interface CartItem {
  sku: string;
  qty: number;
  addedAt: Date;
}

/**
 * A shopping cart with rich state: a Map of items and Dates, persisted as they are.
 *
 * curl -X POST localhost:8080/actors/ShoppingCart/ann/add -H 'content-type: application/json' -d '["apple", 3]'
 */
@Actor('ShoppingCart')
export class ShoppingCart {
  @State() lines = new Map<string, CartItem>();
  @State() createdAt = new Date();
  @State() checkedOutAt: Date | null = null;

  /** Adds `qty` of `sku`; returns the line. */
  @Action()
  add(sku: string, qty: number): CartItem {
    this.open();
    if (!Number.isInteger(qty) || qty <= 0) throw new Error(`qty must be a positive integer, got ${qty}`);
    const line = this.lines.get(sku) ?? { sku, qty: 0, addedAt: new Date() };
    if (!Number.isSafeInteger(line.qty + qty)) throw new Error(`qty would overflow: ${line.qty} + ${qty} is past ${Number.MAX_SAFE_INTEGER}`);
    line.qty += qty;
    this.lines.set(sku, line);
    return line;
  }

  /** Removes `sku`; returns whether it was there. */
  @Action()
  remove(sku: string): boolean {
    this.open();
    return this.lines.delete(sku);
  }

  /** The cart's lines. */
  @Query()
  items(): CartItem[] {
    return [...this.lines.values()];
  }

  /** Closes the cart; returns what was bought and when. */
  @Action()
  checkout(): { items: CartItem[]; checkedOutAt: Date } {
    this.open();
    if (this.lines.size === 0) throw new Error('the cart is empty');
    this.checkedOutAt = new Date();
    return { items: [...this.lines.values()], checkedOutAt: this.checkedOutAt };
  }

  private open(): void {
    if (this.checkedOutAt) throw new Error('the cart is already checked out');
  }
}
