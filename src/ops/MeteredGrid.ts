import type { Grid, GridMap, GridStream, MapFormat, MapValue, StreamOptions } from '../grid';

/** Receives one grid operation's duration. */
export type GridObserver = (op: string, seconds: number, failed: boolean) => void;

/**
 * The Grid port with every map and stream operation timed (`map.get`, `map.replaceIfSame`,
 * `stream.read`…), for `actorgrid_grid_op_duration_seconds`. Proxies, so that the adapters stay as
 * they are and the port's contract is untouched.
 */
export function meteredGrid(grid: Grid, observe: GridObserver): Grid {
  const maps = new Map<GridMap<MapValue>, GridMap<MapValue>>();
  const streams = new Map<GridStream, GridStream>();
  return new Proxy(grid, {
    get(target, property, receiver) {
      if (property === 'map') {
        return <V extends MapValue>(name: string, format?: MapFormat): GridMap<V> => {
          const map = target.map<V>(name, format) as unknown as GridMap<MapValue>;
          let metered = maps.get(map);
          if (!metered) maps.set(map, (metered = timed(map, 'map', observe)));
          return metered as unknown as GridMap<V>;
        };
      }
      if (property === 'stream') {
        return (name: string, options?: StreamOptions): GridStream => {
          const stream = target.stream(name, options);
          let metered = streams.get(stream);
          if (!metered) streams.set(stream, (metered = timed(stream, 'stream', observe)));
          return metered;
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function timed<T extends object>(target: T, prefix: string, observe: GridObserver): T {
  return new Proxy(target, {
    get(t, property, receiver) {
      const value = Reflect.get(t, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const op = `${prefix}.${property}`;
      return (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        const result = (value as (...a: unknown[]) => unknown).apply(t, args);
        if (result instanceof Promise) {
          return result.then(
            (v) => {
              observe(op, seconds(), false);
              return v;
            },
            (err: unknown) => {
              observe(op, seconds(), true);
              throw err;
            },
          );
        }
        return result;
      };
    },
  });
}
