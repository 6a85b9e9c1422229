import fastify, { type FastifyInstance } from 'fastify';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { ActorRegistry, StateCodec, type CallRequest, type Constructor, type PublishChecker } from './actor';
import { INTERNAL_TYPE_PREFIX } from './actor/ActorRegistry';
import { NodeRegistry } from './cluster';
import type { Config } from './config';
import { HazelcastGrid, MemoryGrid, type Grid } from './grid';
import { DestinationRegistry } from './destinations/DestinationRegistry';
import { DestinationService } from './destinations/DestinationService';
import { Codecs, Dispatcher, registerActorMethods, type NodeStatus } from './protocol';
import { registerDestinationMethods } from './protocol/destinationMethods';
import { registerSharedObjectMethods } from './protocol/sharedObjectMethods';
import { CollectionRegistry } from './data/CollectionRegistry';
import { CollectionStore } from './data/CollectionStore';
import { DataService } from './data/DataService';
import { DataWatches } from './data/DataWatches';
import { registerDataMethods } from './protocol/dataMethods';
import { registerAuthMethods } from './protocol/authMethods';
import { RateLimiter } from './protocol/RateLimiter';
import { requestLogFields } from './protocol/requestLogFields';
import { AuthGuard } from './auth/AuthGuard';
import { Authenticator } from './auth/Authenticator';
import { describeAccess, nestedTarget, nodeAuthorizer } from './auth/nodeAuthorizer';
import { meteredGrid } from './ops/MeteredGrid';
import { NodeMetrics } from './ops/NodeMetrics';
import { Dashboard } from './ops/Dashboard';
import { DashboardStats } from './ops/DashboardStats';
import { AccessDeniedError } from './errors';
import type { SseStreams } from './transport/http/SseStreams';
import { SharedObjectActor } from './shared/SharedObjectActor';
import { SharedObjectRegistry } from './shared/SharedObjectRegistry';
import { SHARED_OBJECT_RUNTIME, SharedObjectRuntime } from './shared/SharedObjectRuntime';
import { SharedObjectService } from './shared/SharedObjectService';
import { Invoker } from './runtime/Invoker';
import { ReminderService } from './reminders/ReminderService';
import { requireRole } from './auth/requireRole';
import { registerReminderMethods } from './protocol/reminderMethods';
import { loadActors } from './runtime/loadActors';
import { Logger } from './runtime/Logger';
import { dashboardRoutes, dataRoutes, destinationRoutes, httpServerOptions, httpTransport, metricsRoute, sharedObjectRoutes } from './transport/http';
import { clientBundleRoute } from './transport/http/clientBundleRoute';
import { WsConnections, wsTransport } from './transport/ws';

/** What a node is built from. */
export interface NodeOptions {
  /** The validated config (`loadConfig()`). */
  config: Config;
  /** Actor classes to serve. When absent, they (and destination classes) are loaded from `config.node.actors`. */
  actors?: Constructor[];
  /** `@Destination` classes to serve, besides `config.destinations.names`. */
  destinations?: Constructor[];
  /** `@SharedObject` classes to serve, besides `config.sharedObjects.names`. */
  sharedObjects?: Constructor[];
  /** A grid to use instead of the one `config.grid` describes (tests: several nodes on one memory store). */
  grid?: Grid;
  /** The logger. @default a Logger at `config.log.level` */
  logger?: Logger;
  /** Registers app services in the node's own DI container before actors are created. */
  configure?: (container: DependencyContainer) => void;
}

/** DI token of the node's Grid, for actors that need it. */
export const GRID = Symbol.for('actorgrid.Grid');

/**
 * One actorgrid node: the one composition root. It builds, from a validated config, the grid client,
 * the actor registry, a DI container of its own, the invoker, the dispatcher and the HTTP/WebSocket
 * transports, registers itself in the node registry, and drains on `stop()`. Nothing is module-global,
 * so several nodes can run in one process.
 *
 * @example
 * const node = await ActorGridNode.start({ config: loadConfig(), actors: [Counter] });
 * console.log(node.url); // http://127.0.0.1:8080
 * await node.stop();
 */
export class ActorGridNode {
  private draining = false;
  private stopped: Promise<void> | undefined;
  /** Publishes this node's numbers for the dashboard (set as the node starts). */
  private dashboard: Dashboard | undefined;
  private reminderService: ReminderService | undefined;

  private constructor(
    readonly config: Config,
    readonly grid: Grid,
    readonly registry: ActorRegistry,
    readonly container: DependencyContainer,
    readonly invoker: Invoker,
    readonly app: FastifyInstance,
    readonly log: Logger,
    private readonly nodes: NodeRegistry,
    private readonly connections: WsConnections,
    readonly destinations: DestinationService,
    readonly sharedObjects: SharedObjectService,
    readonly data: DataService,
    readonly metrics: NodeMetrics,
    private readonly ownsGrid: boolean,
  ) {}

  /** Open WebSocket connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Subscriptions and watches on this node, by kind (metrics). */
  subscriberCounts(): { destinations: number; sharedObjects: number; watches: number } {
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    return { destinations: sum(this.destinations.feeds()), sharedObjects: sum(this.sharedObjects.feeds()), watches: sum(this.data.watches.stats()) };
  }

  /** The node's id (`config.node.id`). */
  get id(): string {
    return this.config.node.id;
  }

  /** Where the node listens, e.g. `http://127.0.0.1:8080` (the real port when configured with 0). */
  get url(): string {
    const address = this.app.server.address();
    if (!address || typeof address === 'string') return `http://${this.config.node.host}:${this.config.node.port}`;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Builds and starts a node; it is serving when the promise resolves. */
  static async start(options: NodeOptions): Promise<ActorGridNode> {
    const { config } = options;
    const started = Date.now();
    const log = options.logger ?? new Logger(config.log.level, `node ${config.node.id}`, undefined, config.log.format);
    const registry = new ActorRegistry();
    const destinationRegistry = new DestinationRegistry(config.destinations).declare(...config.destinations.names);
    const sharedRegistry = new SharedObjectRegistry(config.sharedObjects).declare(...config.sharedObjects.names);
    if (options.actors) registry.register(...options.actors);
    else {
      const loaded = loadActors(config.node.actors);
      registry.register(...loaded.classes);
      destinationRegistry.register(...loaded.destinations);
      sharedRegistry.register(...loaded.sharedObjects);
    }
    if (options.destinations) destinationRegistry.register(...options.destinations);
    if (options.sharedObjects) sharedRegistry.register(...options.sharedObjects);
    registry.registerInternal(SharedObjectActor);
    registry.seal();

    const ownsGrid = !options.grid;
    const rawGrid = options.grid ?? (await connectGrid(config, log));
    // Read by the gauges when scraped; set once the parts they read exist.
    const live: { node?: ActorGridNode; streams: SseStreams[] } = { streams: [] };
    const metrics = new NodeMetrics(
      {
        wsConnections: () => live.node?.connectionCount ?? 0,
        sseStreams: () => live.streams.reduce((n, s) => n + s.size, 0),
        inflight: () => live.node?.invoker.load ?? 0,
        subscribers: () => live.node?.subscriberCounts() ?? { destinations: 0, sharedObjects: 0, watches: 0 },
        destinationSubscribers: () => live.node?.destinations.feeds() ?? new Map(),
      },
      config.node.id,
    );
    const grid = meteredGrid(rawGrid, (op, seconds, failed) => metrics.grid(op, seconds, failed));
    const stats = new DashboardStats(config.node.id, () => live.node?.url ?? '', {
      destinations: () => live.node?.destinations.feeds() ?? new Map(),
      connections: () => ({ ws: live.node?.connectionCount ?? 0, sse: live.streams.reduce((n, s) => n + s.size, 0) }),
    });
    try {
      const container = rootContainer.createChildContainer();
      container.registerInstance(Logger, log);
      container.registerInstance(GRID, grid);
      options.configure?.(container);

      const codecs = new Codecs(config.limits);
      const destinations = new DestinationService(grid, destinationRegistry, codecs, container, log.child('destinations'), {
        maxBufferedBytes: config.destinations.maxBufferedBytes,
        maxSelectorLength: config.limits.maxSelectorLength,
        observer: metrics.destinations,
      });
      const publisher: PublishChecker = {
        prepare: (m, caller) => destinations.prepare(m.destination, m, { actor: caller }),
      };
      const codec = new StateCodec();
      const collections = new CollectionRegistry(registry, config.data);
      let guard: AuthGuard | undefined;
      if (config.auth.enabled) {
        const registries = { actors: registry, destinations: destinationRegistry, sharedObjects: sharedRegistry, collections };
        const { authorizer, canonical } = nodeAuthorizer(registries, config.auth.rules);
        guard = new AuthGuard(new Authenticator(config.auth), authorizer, log.child('auth'), config.auth.expiryGraceMs);
        log.info(describeAccess(registries, authorizer, canonical));
      }
      const authorizeNested = guard ? { authorizeNested: (request: CallRequest) => guard!.checkNested(request.principal, nestedTarget(request)) } : {};
      const stores = new Map(collections.all().map((spec) => [spec.name, new CollectionStore(grid, spec, codec)]));
      const invoker = new Invoker(grid, registry, codec, container, log.child('runtime'), { ...config.turn, idempotency: config.idempotency, failpoints: new Set(config.testing.failpoints), ...authorizeNested, observe: {
        call: (type, method, error, seconds, id) => {
          metrics.call(type, method, error);
          stats.call(type, method, error, seconds, id);
        },
        turn: (type, seconds, batch) => metrics.turn(type, seconds, batch),
        lockWait: (type, seconds) => metrics.lockWait(type, seconds),
        event: (type, event) => metrics.turnEvent(type, event),
        replay: (type) => metrics.replay(type),
      }, reminders: config.reminders }, publisher, (type) => stores.get(type.name));
      container.registerInstance(SHARED_OBJECT_RUNTIME, new SharedObjectRuntime(sharedRegistry, codecs, container));
      const sharedObjects = new SharedObjectService(grid, container.resolve(SHARED_OBJECT_RUNTIME), invoker, codecs, log.child('shared'), config.sharedObjects);
      const dataLog = log.child('data');
      const data = new DataService(collections, stores, invoker, dataLog, config.data, (load) => new DataWatches(grid, dataLog, config.data.maxBufferedBytes, load));
      await data.start();
      const reminderService = new ReminderService(invoker.reminderIndex, (type, id, name, method) => invoker.fireReminder(type, id, name, method), log.child('reminders'), config.reminders, (type, event) => metrics.reminder(type, event));
      const nodes = new NodeRegistry(grid, config.registry);
      const connections = new WsConnections();
      const app = fastify({ logger: false, ...httpServerOptions(config.limits, config.http) });
      const node = new ActorGridNode(config, grid, registry, container, invoker, app, log, nodes, connections, destinations, sharedObjects, data, metrics, ownsGrid);
      live.node = node;
      node.reminderService = reminderService;

      const dispatcher = new Dispatcher({
        onInternalError: (err, ctx) => log.error('internal error', { ...requestLogFields(ctx), err }),
        ...(guard ? { guard: (request) => guard!.check(request) } : {}),
        observe: (method, seconds, error) => metrics.request(method, seconds, error),
        maxBatch: config.limits.maxBatch,
        ...(config.limits.ratePerSecond > 0 ? { rateLimiter: new RateLimiter(config.limits.ratePerSecond) } : {}),
      });
      if (guard) registerAuthMethods(dispatcher, guard);
      registerActorMethods(dispatcher, invoker, { maxArgs: config.limits.maxArgs });
      registerDestinationMethods(dispatcher, destinations, codecs, config.limits.maxSubscriptionsPerConnection);
      registerSharedObjectMethods(dispatcher, sharedObjects, codecs, config.limits.maxSubscriptionsPerConnection);
      registerReminderMethods(dispatcher, invoker);
      registerDataMethods(dispatcher, data, codecs, { maxResults: config.data.maxResults, maxSubscriptions: config.limits.maxSubscriptionsPerConnection, maxSelectorLength: config.limits.maxSelectorLength });
      const status: NodeStatus = {
        ready: () => !node.draining && grid.isConnected(),
        cluster: async () => ({ self: config.node.id, nodes: await nodes.list(), members: await grid.members() }),
      };
      await app.register(httpTransport, { dispatcher, limits: config.limits, status, codecs, allowedOrigins: config.http.allowedOrigins });
      const onStreams = (streams: SseStreams): void => void live.streams.push(streams);
      const sse = { dispatcher, onStreams, maxBufferedBytes: config.limits.maxBufferedBytes };
      await app.register(destinationRoutes, sse);
      await app.register(sharedObjectRoutes, sse);
      await app.register(dataRoutes, sse);
      await app.register(clientBundleRoute);
      // The operational pages need a role of their own when auth is on.
      const withRole = (role: string, what: string) =>
        guard
          ? {
              authorize: async (credentials: string | undefined) => {
                if (!credentials) throw new AccessDeniedError('UNAUTHORIZED', `not authenticated: credentials are required for ${what}`);
                const principal = await guard!.verify(credentials);
                requireRole(principal, role, `read ${what}`);
              },
            }
          : {};
      await app.register(metricsRoute, { scrape: () => metrics.scrape(), ...withRole('metrics', '/metrics') });
      const dashboard = new Dashboard(grid, config.node.id, stats, () => status.cluster(), log.child('dashboard'));
      node.dashboard = dashboard;
      await app.register(dashboardRoutes, { view: () => dashboard.view(), ...withRole('ops', '/dashboard') });
      await app.register(wsTransport, { dispatcher, limits: config.limits, connections, codecs, ...(guard ? { verifyUpgrade: (credentials: string) => guard!.verify(credentials) } : {}), countBytes: (direction, n) => metrics.bytes(direction, n) });
      await app.listen({ port: config.node.port, host: config.node.host });

      await nodes.start(
        () => ({ id: config.node.id, url: config.node.advertiseUrl || node.url, startedAt: started, load: invoker.load }),
        (err) => log.warn('node registry heartbeat failed', { err }),
      );
      await reminderService.start(); // last: a node that failed to start fires nothing
      const appTypes = registry.types().filter((t) => !t.name.startsWith(INTERNAL_TYPE_PREFIX));
      log.info(`serving ${appTypes.length} actor types (${collections.all().length} of them collections), ${destinationRegistry.all().length} destinations and ${sharedRegistry.all().length} shared-object families on the ${grid.kind} grid`, {
        collections: collections.all().map((c) => `${c.name}(indexes ${c.indexes.join('+') || 'none'}, retention ${c.retention})`).join(','),
        actors: appTypes.map((t) => t.name).join(','),
        destinations: destinationRegistry.all().map((d) => `${d.name}(retention ${d.retention})`).join(','),
        sharedObjects: sharedRegistry.all().map((d) => `${d.pattern}(retention ${d.retention})`).join(','),
      });
      return node;
    } catch (err) {
      if (ownsGrid) await rawGrid.shutdown().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Drains and stops: `/health/ready` turns 503, new calls get UNAVAILABLE, WebSocket clients are
   * told (close 1001) once their running requests are answered, calls in progress finish and release
   * their locks (up to `node.drainTimeoutMs`), the node leaves the registry and the grid client closes.
   */
  stop(): Promise<void> {
    this.stopped ??= this.drain();
    return this.stopped;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    this.reminderService?.stop(); // fires under way finish with the calls in flight
    const timeoutMs = this.config.node.drainTimeoutMs;
    this.log.info('draining', { inflight: this.invoker.load });
    await this.connections.closeAll(1001, 'node draining', { timeoutMs });
    const finished = await this.invoker.drain(timeoutMs);
    this.destinations.stop();
    this.sharedObjects.stop();
    this.data.stop();
    this.dashboard?.stop();
    if (!finished) this.log.warn('calls still running after the drain timeout', { inflight: this.invoker.load });
    await this.app.close();
    await this.nodes.stop().catch((err: unknown) => this.log.warn('could not leave the node registry', { err }));
    if (this.ownsGrid) await this.grid.shutdown();
    this.log.info('stopped');
  }
}

async function connectGrid(config: Config, log: Logger): Promise<Grid> {
  if (config.grid.kind === 'memory') {
    log.info('grid: embedded memory grid (single node; state lives in this process)');
    return new MemoryGrid();
  }
  const { clusterName, members, connectTimeoutMs, invocationTimeoutMs } = config.grid;
  log.info(`grid: connecting to Hazelcast cluster "${clusterName}"`, { members: members.join(',') });
  const grid = await HazelcastGrid.connect({ clusterName, members: [...members], connectTimeoutMs, invocationTimeoutMs, instanceName: config.node.id });
  log.info('grid: connected', { members: (await grid.members()).map((m) => m.address).join(',') });
  return grid;
}

