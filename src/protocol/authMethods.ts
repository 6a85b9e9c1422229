import type { AuthGuard } from '../auth/AuthGuard';
import type { Dispatcher } from './Dispatcher';
import { paramsObject, stringParam } from './params';

/** The method a browser's WebSocket logs in with (it cannot set headers on the upgrade). */
export const AUTH_LOGIN = 'auth.login';

/**
 * Registers `auth.login {token}` (auth-enabled nodes): verifies the JWT and makes it the session's
 * principal → `{principal: {subject, roles, expiresAt?}}`. Anyone may call it; on an expired
 * session it renews the login within the grace period.
 */
export function registerAuthMethods(dispatcher: Dispatcher, guard: AuthGuard): void {
  dispatcher.register(AUTH_LOGIN, async (params, session) => {
    const p = paramsObject(params, ['token'], '{token}');
    const principal = await guard.login(session, stringParam(p, 'token', true)!);
    return { principal: { subject: principal.subject, roles: principal.roles, ...(principal.expiresAt === undefined ? {} : { expiresAt: principal.expiresAt }) } };
  }, { public: true });
}
