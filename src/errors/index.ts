export * from './codes';
export * from './ActorGridError';
export { runHook } from './runHook';
export { clip, ECHO_MAX_CHARS } from './clip';
