export { Dispatcher, type DispatcherOptions, type MethodHandler, type InternalErrorHook, type InternalErrorContext } from './Dispatcher';
export { DispatchContext } from './DispatchContext';
export { NotificationFrame, sseEvent, SUBSCRIPTION_ID_LENGTH, type PushEncoding, type SseEventOptions } from './NotificationFrame';
export { checkDeliverable } from './checkDeliverable';
export { registerActorMethods, toCallRequest, ACTOR_CALL_METHOD, type ActorMethodsOptions } from './actorMethods';
export {
  checkActorCallParams,
  checkCallTarget,
  checkArgs,
  checkIdempotencyKey,
  withKey,
  MAX_ACTOR_ID_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  type CallParams,
  type CallParamLimits,
} from './callParams';
export { describeSession, type Session, type SessionTransport, type PushChannel } from './Session';
export { mediaType, JSON_MEDIA_TYPES, MSGPACK_MEDIA_TYPES, type Codec, type CodecName } from './Codec';
export { JsonCodec } from './JsonCodec';
export { MsgpackCodec } from './MsgpackCodec';
export { Codecs } from './Codecs';
export { encodeReply } from './encodeReply';
export {
  toErrorObject,
  httpErrorBody,
  toWireError,
  isInternalError,
  INTERNAL_MESSAGE,
  type HttpErrorObject,
  type HttpErrorResponse,
} from './wireErrors';
export {
  JSONRPC_VERSION,
  isJsonRpcId,
  notification,
  type JsonRpcId,
  type JsonRpcRequest,
  type JsonRpcResponse,
  type JsonRpcSuccess,
  type JsonRpcFailure,
  type JsonRpcErrorObject,
  type JsonRpcReply,
  type JsonRpcNotification,
} from './JsonRpc';
export type { NodeStatus } from './NodeStatus';
