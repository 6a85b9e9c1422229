export { httpTransport, type HttpTransportOptions } from './httpTransport';
export { frameworkErrors, fromFastifyError, routeNotFound } from './httpErrors';
export { HttpResponder, httpSession } from './HttpResponder';
export { ACTOR_ROUTE } from './actorRoute';
export { RPC_ROUTE } from './rpcRoute';
export { httpServerOptions, type HttpServerOptions } from './serverOptions';
export { destinationRoutes, type DestinationRoutesOptions } from './destinationRoutes';
export { sharedObjectRoutes, type SharedObjectRoutesOptions } from './sharedObjectRoutes';
export { dataRoutes, type DataRoutesOptions } from './dataRoutes';
