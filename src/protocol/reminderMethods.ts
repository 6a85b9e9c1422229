import { requireRole } from '../auth/requireRole';
import { refuseInternalType } from './actorMethods';
import type { Invoker } from '../runtime/Invoker';
import type { Dispatcher } from './Dispatcher';
import { paramsObject, stringParam } from './params';

/** The JSON-RPC methods of reminders (docs/protocol.md). */
export const REMINDER_METHODS = { list: 'reminder.list' } as const;

/** The role `reminder.list` needs when auth is on: reminders (and their payloads) are for operators. */
export const REMINDER_LIST_ROLE = 'ops';

/**
 * `reminder.list {type, id}` → `{reminders: [{name, method, due, every?, payload?, failures}]}`: an
 * actor's reminders as its last committed record holds them, for operators (role `ops` with auth on).
 */
export function registerReminderMethods(dispatcher: Dispatcher, invoker: Invoker): void {
  dispatcher.register(REMINDER_METHODS.list, async (params, session) => {
    const p = paramsObject(params, ['type', 'id'], '{type, id}');
    const type = stringParam(p, 'type', true)!;
    const id = stringParam(p, 'id', true)!;
    const principal = session.identity?.principal;
    if (principal) requireRole(principal, REMINDER_LIST_ROLE, 'list reminders', { method: REMINDER_METHODS.list });
    refuseInternalType(type);
    return { reminders: await invoker.listReminders(type, id) };
  });
}
