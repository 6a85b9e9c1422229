/**
 * The browser bundle's entry (scripts/buildBrowserClient.ts → dist/browser/actorgrid-client.mjs,
 * served by every node at `GET /client/actorgrid-client.mjs`): the same client as `actorgrid/client`,
 * on the standard `WebSocket` and `fetch`, with no Node built-ins.
 */
export * from './index';
