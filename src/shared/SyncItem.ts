import { Packr } from 'msgpackr';
import { NotificationFrame } from '../protocol/NotificationFrame';
import type { Codecs } from '../protocol/Codecs';

/** The JSON-RPC method of a pushed shared-object change (and of a reset snapshot). */
export const SYNC_METHOD = 'sharedObject.sync';

/** One committed version of a shared object, as its stream (`so.<name>`) holds it (msgpack). */
export interface SyncItem {
  /** The object's name. */
  n: string;
  /** The version this change made. */
  v: number;
  /** Slots set. */
  s?: Record<string, unknown>;
  /** Slots deleted. */
  d?: string[];
}

/** A stream item decoded once on this node, with its frames (named and compact params; each encoded at most once per format). */
export interface SyncDelivery {
  readonly item: SyncItem;
  readonly frame: NotificationFrame;
  readonly compactFrame: NotificationFrame;
}

/** The stream of a shared object's committed changes. */
export function sharedObjectStream(name: string): string {
  return `so.${name}`;
}

/** Decodes stream items into deliveries; one per node. */
export class SyncItemCodec {
  private readonly packr = new Packr({ useRecords: false, moreTypes: true });

  constructor(private readonly codecs: Codecs) {}

  decode(bytes: Buffer): SyncDelivery {
    const { n, v, s, d } = this.packr.unpack(bytes) as SyncItem;
    if (typeof n !== 'string' || !Number.isSafeInteger(v)) throw new Error('not a shared-object change');
    const item: SyncItem = { n, v, ...(s === undefined ? {} : { s }), ...(d === undefined ? {} : { d }) };
    return { item, frame: syncFrame(this.codecs, item), compactFrame: new NotificationFrame(this.codecs, SYNC_METHOD, compactSync(item.v, item.s, item.d)) };
  }
}

/** `sharedObject.sync` for one version (`event: sync`, `id` = version over SSE). */
export function syncFrame(codecs: Codecs, item: SyncItem): NotificationFrame {
  const params = { name: item.n, version: item.v, ...(item.s ? { set: item.s } : {}), ...(item.d ? { delete: item.d } : {}) };
  return new NotificationFrame(codecs, SYNC_METHOD, params, { event: 'sync', id: item.v });
}

/**
 * The compact form's positional params after the subscription id (docs/protocol.md): `[version,
 * set?, delete?, reset?]`, an absent value before a present one as `null`, trailing ones left out.
 */
export function compactSync(version: number, set?: Record<string, unknown>, deleted?: string[], reset?: true): unknown[] {
  const params: unknown[] = [version, set ?? null, deleted ?? null, reset ?? null];
  while (params[params.length - 1] === null) params.pop();
  return params;
}

/** The reset a subscriber gets instead of versions it cannot be given: every slot, at `version`. */
export function resetFrame(codecs: Codecs, name: string, version: number, slots: Record<string, unknown>, compact = false): NotificationFrame {
  if (compact) return new NotificationFrame(codecs, SYNC_METHOD, compactSync(version, slots, undefined, true));
  return new NotificationFrame(codecs, SYNC_METHOD, { name, version, set: slots, reset: true }, { event: 'snapshot', id: version });
}
