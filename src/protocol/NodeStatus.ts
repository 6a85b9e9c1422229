/**
 * What the operational HTTP routes ask the node: `GET /health/ready` and `GET /cluster`. The
 * composition root implements it from the grid connection, the drain state and the node registry.
 *
 * @example
 * const status: NodeStatus = {
 *   ready: () => grid.isConnected() && !draining,
 *   cluster: async () => ({ nodes: await registry.list(), members: await grid.members() }),
 * };
 */
export interface NodeStatus {
  /** True while the grid is reachable and the node is not draining; `/health/ready` answers 503 otherwise. */
  ready(): boolean;
  /** The app nodes and grid members, sent as the body of `GET /cluster`. May throw coded errors (UNAVAILABLE). */
  cluster(): Promise<unknown>;
}
