import { RequestRefusedError } from '../errors';
import { checkDeliverable } from '../protocol/checkDeliverable';
import type { Codecs } from '../protocol/Codecs';
import type { SharedObjectUpdate } from './SharedObject';
import type { SharedObjectSpec } from './SharedObjectRegistry';

const MAX_SLOT_NAME = 256;

function invalid(message: string, field: string): RequestRefusedError {
  return new RequestRefusedError('INVALID_ARGUMENTS', message, { field });
}

function checkSlotName(slot: unknown, field: string): string {
  if (typeof slot !== 'string' || slot.length === 0 || slot.length > MAX_SLOT_NAME) {
    throw invalid(`slot names are strings of 1 to ${MAX_SLOT_NAME} characters`, field);
  }
  return slot;
}

/**
 * Reads an update (`{set?, delete?, ifVersion?}`, `null` counting as absent), refusing anything else
 * with INVALID_ARGUMENTS naming the field. An update must set or delete at least one slot, and no
 * slot twice.
 */
export function checkUpdate(raw: unknown): SharedObjectUpdate {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('an update is an object {set?, delete?, ifVersion?}', 'params');
  const update: SharedObjectUpdate = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    if (key === 'set') {
      if (typeof value !== 'object' || Array.isArray(value)) throw invalid('set must be an object of slot → JSON value', 'set');
      const set: Record<string, unknown> = {};
      for (const [slot, v] of Object.entries(value)) {
        checkSlotName(slot, 'set');
        if (v === undefined) throw invalid(`set.${slot} has no value`, 'set');
        set[slot] = v;
      }
      update.set = set;
    } else if (key === 'delete') {
      if (!Array.isArray(value)) throw invalid('delete must be an array of slot names', 'delete');
      update.delete = value.map((slot) => checkSlotName(slot, 'delete'));
    } else if (key === 'ifVersion') {
      if (!Number.isSafeInteger(value) || (value as number) < 0) throw invalid('ifVersion must be a whole number >= 0', 'ifVersion');
      update.ifVersion = value as number;
    } else {
      throw invalid(`unknown field "${key}"`, key);
    }
  }
  const slots = [...Object.keys(update.set ?? {}), ...(update.delete ?? [])];
  if (slots.length === 0) throw invalid('an update sets or deletes at least one slot', 'set');
  if (new Set(slots).size !== slots.length) throw invalid('an update names each slot once (set and delete together)', 'delete');
  return update;
}

/**
 * Checks an update's values against the family's limits: every value deliverable in every wire
 * format and at most `maxValueBytes` as JSON (PAYLOAD_TOO_LARGE), and the slot count after it at
 * most `maxSlots` (PAYLOAD_TOO_LARGE).
 */
export function checkLimits(update: SharedObjectUpdate, spec: SharedObjectSpec, current: Record<string, unknown>, codecs: Codecs): void {
  for (const [slot, value] of Object.entries(update.set ?? {})) {
    try {
      checkDeliverable(value, codecs, `set.${slot}`);
    } catch (err) {
      throw new RequestRefusedError('INVALID_ARGUMENTS', (err as Error).message, (err as { data?: Record<string, unknown> }).data);
    }
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > spec.maxValueBytes) {
      throw new RequestRefusedError('PAYLOAD_TOO_LARGE', `slot ${slot}: a value of ${bytes} bytes; ${spec.pattern} takes at most ${spec.maxValueBytes}`, {
        slot,
        maxValueBytes: spec.maxValueBytes,
      });
    }
  }
  const after = new Set(Object.keys(current));
  for (const slot of Object.keys(update.set ?? {})) after.add(slot);
  for (const slot of update.delete ?? []) after.delete(slot);
  if (after.size > spec.maxSlots) {
    throw new RequestRefusedError('PAYLOAD_TOO_LARGE', `${after.size} slots; ${spec.pattern} holds at most ${spec.maxSlots}`, { maxSlots: spec.maxSlots });
  }
}
