/** Who an authenticated client is: from a verified JWT or an API key. */
export interface AuthPrincipal {
  /** The token's `sub`, or the API key's name. */
  readonly subject: string;
  /** Roles from the token's roles claim (`auth.rolesClaim`), or the API key's. */
  readonly roles: readonly string[];
  /** How it authenticated. */
  readonly via: 'jwt' | 'apiKey';
  /** The token's claims (none for API keys). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** When the credentials expire (epoch ms; a JWT's `exp`), if they do. */
  readonly expiresAt?: number;
}

/** What a request wants to reach: an actor method, a destination, a shared object, a collection, each with an operation. */
export interface AuthTarget {
  readonly kind: 'actor' | 'destination' | 'sharedObject' | 'collection';
  /** The actor type, destination, shared object or collection name. */
  readonly name: string;
  /**
   * The operation: an actor's method; `publish`/`subscribe` (destinations); `read`/`update` (shared
   * objects); `read`/`create`/`update`/`delete` or a method of its own (collections).
   */
  readonly op: string;
}
