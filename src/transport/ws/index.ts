export { wsTransport, wsMaxPayload, WS_ROUTE, type WsTransportOptions } from './wsTransport';
export { WsConnections, type CloseAllOptions } from './WsConnections';
export { WsConnection, type WsConnectionOptions } from './WsConnection';
