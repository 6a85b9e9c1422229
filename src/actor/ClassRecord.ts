import { injectable } from 'tsyringe';

/**
 * Metadata a class decorator records on the class itself (own property under a symbol), for the
 * declarations a node reads once at start: `@Destination`, `@SharedObject`. The decorated class is
 * made `@injectable()` so that the node's container can create it with its dependencies.
 */
export class ClassRecord<R> {
  private readonly key: symbol;

  constructor(name: string) {
    this.key = Symbol.for(`actorgrid.${name}`);
  }

  /** A class decorator that records `record`. */
  decorator(record: R): <C extends new (...args: any[]) => object>(ctor: C) => void {
    return (ctor) => {
      injectable()(ctor);
      Object.defineProperty(ctor, this.key, { value: record, enumerable: false });
    };
  }

  /** The class's own record (not inherited), if any. */
  of(value: unknown): R | undefined {
    if (typeof value !== 'function' || !Object.prototype.hasOwnProperty.call(value, this.key)) return undefined;
    return (value as unknown as Record<symbol, R>)[this.key];
  }
}
