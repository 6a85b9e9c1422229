import { AccessDeniedError } from '../errors';
import type { AuthPrincipal } from './AuthPrincipal';

/**
 * Refuses (`FORBIDDEN`) a principal without `role` for what it asked: "<subject> may not <what>
 * (role "<role>")". Used where an operation needs a role of its own rather than an @Allow rule
 * (the operational pages, `reminder.list`).
 */
export function requireRole(principal: AuthPrincipal, role: string, what: string, data?: Record<string, unknown>): void {
  if (!principal.roles.includes(role)) throw new AccessDeniedError('FORBIDDEN', `${principal.subject} may not ${what} (role "${role}")`, data);
}
