import type { Session } from '../protocol/Session';
import type { Logger } from '../runtime/Logger';
import type { Authenticator } from './Authenticator';
import { unauthorized } from './Authenticator';
import type { AuthPrincipal, AuthTarget } from './AuthPrincipal';
import type { Authorizer } from './Authorizer';

/** What the dispatcher asks the guard about, before running a method. */
export interface GuardedRequest {
  method: string;
  session: Session;
  /** What the request reaches, when its method names something (`actor.call` → the actor's method). */
  target?: AuthTarget;
  /** Methods anyone may call (`auth.login`). */
  public: boolean;
}

/** The notification a WebSocket gets when its token expired. */
export const AUTH_EXPIRED = 'auth.expired';
/** The close code of a WebSocket whose token expired and was not renewed in time. */
export const CLOSE_EXPIRED = 4401;

/**
 * Authentication and authorization of every request, in the dispatcher (the one gate of every
 * transport), before the method runs and so before any lock is taken. A session's credentials (the
 * `Authorization` header of the request or of the WebSocket upgrade, `?access_token=` on SSE) are
 * verified once per session; a WebSocket may instead log in with `auth.login {token}`. When a
 * WebSocket's token expires it gets `auth.expired`, its requests are UNAUTHORIZED, and unless it
 * logs in again within the grace period it is closed with 4401.
 */
export class AuthGuard {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly authorizer: Authorizer,
    private readonly log: Logger,
    private readonly graceMs: number,
  ) {}

  /** @throws UNAUTHORIZED or FORBIDDEN */
  async check(request: GuardedRequest): Promise<void> {
    if (request.public) return;
    const principal = await this.principalOf(request.session);
    if (request.target) this.authorizer.check(principal, request.target);
    else if (!principal) throw unauthorized(`credentials are required for ${request.method}`);
  }

  /** Checks a call an actor makes, against the principal of the request that started it. */
  checkNested(principal: AuthPrincipal | undefined, target: AuthTarget): void {
    this.authorizer.check(principal, target);
  }

  /** `auth.login`: verifies `token` and makes it the session's principal. */
  async login(session: Session, token: string): Promise<AuthPrincipal> {
    const principal = await this.authenticator.verifyToken(token);
    const identity = this.identityOf(session);
    identity.principal = principal;
    identity.verified = Promise.resolve(principal);
    this.watchExpiry(session, principal);
    return principal;
  }

  /** Verifies an `Authorization` value (the WebSocket upgrade). @throws UNAUTHORIZED */
  verify(authorization: string): Promise<AuthPrincipal> {
    return this.authenticator.verify(authorization);
  }

  /** The session's principal: verified once from its credentials; undefined without any. */
  private async principalOf(session: Session): Promise<AuthPrincipal | undefined> {
    const identity = this.identityOf(session);
    if (identity.expired) throw unauthorized('the token has expired; log in again (auth.login)');
    if (identity.principal) return identity.principal;
    if (!identity.credentials) return undefined;
    identity.verified ??= this.authenticator.verify(identity.credentials).then((principal) => {
      identity.principal = principal;
      this.watchExpiry(session, principal);
      return principal;
    });
    return identity.verified;
  }

  private identityOf(session: Session): NonNullable<Session['identity']> {
    if (!session.identity) throw new Error('sessions of an auth-enabled node carry an identity');
    return session.identity;
  }

  /** A WebSocket is told when its token expires, and closed if it does not log in again in time. */
  private watchExpiry(session: Session, principal: AuthPrincipal): void {
    const identity = this.identityOf(session);
    if (identity.timer) clearTimeout(identity.timer);
    identity.expired = false;
    if (principal.expiresAt === undefined || !session.close) return;
    const close = session.close;
    identity.timer = setTimeout(() => {
      if (identity.principal !== principal) return;
      identity.expired = true;
      identity.principal = undefined;
      try {
        session.notify?.(AUTH_EXPIRED, { subject: principal.subject, expiredAt: principal.expiresAt, graceMs: this.graceMs });
      } catch (err) {
        this.log.debug('could not tell a WebSocket its token expired', { err });
      }
      identity.timer = setTimeout(() => {
        if (identity.expired) close(CLOSE_EXPIRED, 'token expired');
      }, this.graceMs);
      identity.timer.unref?.();
    }, Math.max(0, principal.expiresAt - Date.now()));
    identity.timer.unref?.();
    session.signal?.addEventListener('abort', () => clearTimeout(identity.timer), { once: true });
  }
}
