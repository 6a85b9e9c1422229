export * from './codes';
export * from './ActorGridError';
export { runHook } from './runHook';
export { clip } from './clip';
