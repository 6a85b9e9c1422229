export * from './codes';
export * from './ActorGridError';
