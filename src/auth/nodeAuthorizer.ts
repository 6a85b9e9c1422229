import type { ActorRegistry } from '../actor';
import { INTERNAL_TYPE_PREFIX } from '../actor/ActorRegistry';
import type { CallRequest } from '../actor/CallRequest';
import type { CollectionRegistry } from '../data/CollectionRegistry';
import type { DestinationRegistry } from '../destinations/DestinationRegistry';
import { SHARED_OBJECT_TYPE } from '../shared/SharedObjectActor';
import type { SharedObjectRegistry } from '../shared/SharedObjectRegistry';
import type { AuthTarget } from './AuthPrincipal';
import { Authorizer, type TargetClass } from './Authorizer';

/** A node's registries, where declarations are found. */
export interface NodeRegistries {
  actors: ActorRegistry;
  destinations: DestinationRegistry;
  sharedObjects: SharedObjectRegistry;
  collections: CollectionRegistry;
}

/** The generic operations of collections (the DataRecord methods behind data.*). */
const COLLECTION_OPS: Record<string, string> = { $create: 'create', $update: 'update', $delete: 'delete', $sync: 'update' };

/**
 * The node's Authorizer: it finds a target's class in the registries (an actor type, a collection,
 * a destination's or shared-object family's hook class), and sees calls to a collection's actors as
 * collection operations and calls to the shared-object actor as shared-object operations, so the same
 * rules hold however a target is reached.
 */
export function nodeAuthorizer(registries: NodeRegistries, rules: readonly string[]): { authorizer: Authorizer; canonical: (target: AuthTarget) => AuthTarget } {
  const canonical = (target: AuthTarget): AuthTarget => {
    if (target.kind !== 'actor') return target;
    if (registries.collections.has(target.name)) return { kind: 'collection', name: target.name, op: COLLECTION_OPS[target.op] ?? target.op };
    return target;
  };
  const lookup = (target: AuthTarget): TargetClass | undefined => {
    try {
      switch (target.kind) {
        case 'actor':
        case 'collection': {
          const type = registries.actors.type(target.name);
          const isGeneric = target.kind === 'collection' && ['read', 'create', 'update', 'delete'].includes(target.op);
          return { ctor: type.ctor, ...(isGeneric ? {} : { property: type.method(target.op).property }) };
        }
        case 'destination':
          return { ctor: registries.destinations.get(target.name).hooks };
        case 'sharedObject':
          return { ctor: registries.sharedObjects.resolve(target.name).hooks };
      }
    } catch {
      return undefined;
    }
  };
  return { authorizer: new Authorizer(lookup, rules, canonical), canonical };
}

/** What an actor's call to another actor reaches (the shared-object actor is its object). */
export function nestedTarget(request: CallRequest): AuthTarget {
  if (request.type === SHARED_OBJECT_TYPE) return { kind: 'sharedObject', name: request.id, op: request.method === 'update' ? 'update' : 'read' };
  return { kind: 'actor', name: request.type, op: request.method };
}

/** One line for the start log: what anyone may reach without credentials, and what nothing declares (denied). */
export function describeAccess(registries: NodeRegistries, authorizer: Authorizer, canonical: (t: AuthTarget) => AuthTarget): string {
  const open: string[] = [];
  const denied: string[] = [];
  const visit = (label: string, targets: AuthTarget[]): void => {
    const states = targets.map((t) => authorizer.declared(canonical(t)));
    if (states.some((s) => s === 'public')) open.push(label);
    if (states.every((s) => s === 'undeclared')) denied.push(label);
  };
  for (const type of registries.actors.types()) {
    if (type.name.startsWith(INTERNAL_TYPE_PREFIX)) continue;
    const ops = registries.collections.has(type.name) ? ['read', 'create', 'update', 'delete', ...[...type.methods.keys()].filter((m) => !m.startsWith('$'))] : [...type.methods.keys()];
    visit(`${registries.collections.has(type.name) ? 'collection' : 'actor'} ${type.name}`, ops.map((op) => ({ kind: 'actor', name: type.name, op })));
  }
  for (const d of registries.destinations.all()) visit(`destination ${d.name}`, ['publish', 'subscribe'].map((op) => ({ kind: 'destination', name: d.name, op })));
  for (const s of registries.sharedObjects.all()) {
    const sample = s.pattern.endsWith('*') ? `${s.pattern.slice(0, -1)}x` : s.pattern;
    visit(`shared objects ${s.pattern}`, ['read', 'update'].map((op) => ({ kind: 'sharedObject', name: sample, op })));
  }
  return `auth on: open without credentials: ${open.join(', ') || 'nothing'}; declaring nothing, so denied to everyone: ${denied.join(', ') || 'nothing'}`;
}
