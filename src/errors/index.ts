export * from './codes';
export * from './ActorGridError';
export { runHook } from './runHook';
