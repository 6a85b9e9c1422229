import type { Codec } from './Codec';
import type { Dispatcher } from './Dispatcher';
import type { JsonRpcReply, JsonRpcResponse } from './JsonRpc';
import type { Session } from './Session';

/**
 * Encodes a JSON-RPC reply without ever throwing. A result the codec cannot represent (a cycle, a
 * BigInt in JSON, a BigInt past 64 bits in msgpack) replaces only its own response with an INTERNAL
 * error for the same id, reported through the dispatcher's INTERNAL hook; the rest of a batch goes
 * out unchanged.
 */
export function encodeReply(codec: Codec, reply: JsonRpcReply, dispatcher: Dispatcher, session?: Session): string | Buffer {
  try {
    return codec.encode(reply);
  } catch {
    const fixed = Array.isArray(reply)
      ? reply.map((response) => encodable(codec, response, dispatcher, session))
      : encodable(codec, reply, dispatcher, session);
    return codec.encode(fixed);
  }
}

function encodable(codec: Codec, response: JsonRpcResponse, dispatcher: Dispatcher, session?: Session): JsonRpcResponse {
  try {
    codec.encode(response);
    return response;
  } catch (err) {
    const reason = new Error(`cannot encode the response as ${codec.name}`, { cause: err });
    return dispatcher.errorResponse(reason, response.id, { session });
  }
}
