import { createHash, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config';
import { AccessDeniedError, ActorGridError } from '../errors';
import type { AuthPrincipal } from './AuthPrincipal';

/** One configured API key. */
interface ApiKey {
  name: string;
  hash: Buffer;
  roles: string[];
}

/**
 * Verifies credentials: `Bearer <JWT>` (jose; HS256 with `auth.jwtSecret`, RS256/ES256 with
 * `auth.jwtPublicKeyFile`, any key of `auth.jwksFile` by `kid`; `iss`/`aud` checked when set,
 * `exp`/`nbf` always) or `ApiKey <key>` (its SHA-256 compared in constant time with `auth.apiKeys`).
 * Everything wrong is UNAUTHORIZED with a reason that names no secret.
 */
export class Authenticator {
  private readonly keys: Array<Uint8Array | KeyObject | JWTVerifyGetKey> = [];
  private readonly apiKeys: ApiKey[];

  constructor(private readonly config: AuthConfig) {
    if (config.jwtSecret) this.keys.push(new TextEncoder().encode(config.jwtSecret));
    if (config.jwtPublicKeyFile) this.keys.push(createPublicKey(readFileSync(config.jwtPublicKeyFile)));
    if (config.jwksFile) this.keys.push(createLocalJWKSet(JSON.parse(readFileSync(config.jwksFile, 'utf8')) as Parameters<typeof createLocalJWKSet>[0]));
    this.apiKeys = config.apiKeys.map((entry) => {
      const [name, hex, roles] = entry.split(':');
      return { name, hash: Buffer.from(hex, 'hex'), roles: roles ? roles.split('+') : [] };
    });
  }

  /** Verifies an `Authorization` value (`Bearer …` or `ApiKey …`). @throws UNAUTHORIZED */
  async verify(authorization: string): Promise<AuthPrincipal> {
    const [scheme, credential] = splitOnce(authorization.trim(), ' ');
    if (/^bearer$/i.test(scheme) && credential) return this.verifyToken(credential.trim());
    if (/^apikey$/i.test(scheme) && credential) return this.verifyApiKey(credential.trim());
    throw unauthorized('credentials must be "Bearer <token>" or "ApiKey <key>"');
  }

  /** Verifies a bare JWT (`auth.login`, `?access_token=`). @throws UNAUTHORIZED */
  async verifyToken(token: string): Promise<AuthPrincipal> {
    if (this.keys.length === 0) throw unauthorized('this node accepts no tokens (no JWT key is configured)');
    let last: unknown;
    for (const key of this.keys) {
      try {
        const options = { ...(this.config.issuer ? { issuer: this.config.issuer } : {}), ...(this.config.audience ? { audience: this.config.audience } : {}) };
        const { payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
        return this.principalOf(payload);
      } catch (err) {
        last = err;
      }
    }
    throw unauthorized(reasonOf(last));
  }

  private verifyApiKey(key: string): AuthPrincipal {
    const hash = createHash('sha256').update(key).digest();
    const found = this.apiKeys.find((k) => k.hash.length === hash.length && timingSafeEqual(k.hash, hash));
    if (!found) throw unauthorized('unknown API key');
    return { subject: found.name, roles: found.roles, via: 'apiKey', claims: {} };
  }

  private principalOf(payload: JWTPayload): AuthPrincipal {
    if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('the token has no subject (sub)');
    const raw = payload[this.config.rolesClaim];
    const roles = Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : typeof raw === 'string' ? raw.split(' ').filter(Boolean) : [];
    return { subject: payload.sub, roles, via: 'jwt', claims: payload, ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}) };
  }
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${err.claim} claim is not accepted`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed || err instanceof joseErrors.JWKSNoMatchingKey) return 'the token\'s signature does not verify';
  if (err instanceof ActorGridError) return err.message;
  return 'the token is not a valid JWT';
}

/** UNAUTHORIZED with a reason. */
export function unauthorized(reason: string): ActorGridError {
  return new AccessDeniedError('UNAUTHORIZED', `not authenticated: ${reason}`);
}
