import type { DependencyContainer } from 'tsyringe';
import type { Codecs } from '../protocol/Codecs';
import type { SharedObjectHooks } from './SharedObject';
import type { SharedObjectRegistry, SharedObjectSpec } from './SharedObjectRegistry';

/** DI token of the node's SharedObjectRuntime, which the shared-object actor is given. */
export const SHARED_OBJECT_RUNTIME = Symbol.for('actorgrid.SharedObjectRuntime');

/** What the shared-object actor needs from its node: the declarations, the codecs, the hooks. */
export class SharedObjectRuntime {
  constructor(
    readonly registry: SharedObjectRegistry,
    readonly codecs: Codecs,
    private readonly container: DependencyContainer,
  ) {}

  /** The hooks of a family declared by a class, created by the node's container. */
  hooks(spec: SharedObjectSpec): SharedObjectHooks | undefined {
    return spec.hooks ? (this.container.resolve(spec.hooks as never) as SharedObjectHooks) : undefined;
  }
}
