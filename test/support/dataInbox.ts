import type { ActorGridClient } from '../../src/client';
import type { DataChange, DataRecordView } from '../../src/data';

/** A `data.change` notification's params. */
export type ChangeParams = DataChange;

/** A `data.reset` notification's params. */
export interface ResetParams {
  watch: string;
  collection: string;
  records: DataRecordView[];
  cursor: string;
}

/** Every `data.change` and `data.reset` one client was pushed, in arrival order, by watch. */
export class DataInbox {
  readonly events: Array<{ reset: false; params: ChangeParams } | { reset: true; params: ResetParams }> = [];

  constructor(client: ActorGridClient) {
    client.onNotification((n) => {
      if (n.method === 'data.change') this.events.push({ reset: false, params: n.params as ChangeParams });
      if (n.method === 'data.reset') this.events.push({ reset: true, params: n.params as ResetParams });
    });
  }

  changes(watch: string): ChangeParams[] {
    return this.events.flatMap((e) => (!e.reset && e.params.watch === watch ? [e.params] : []));
  }

  resets(watch: string): ResetParams[] {
    return this.events.flatMap((e) => (e.reset && e.params.watch === watch ? [e.params] : []));
  }

  /** One watch's notifications as `<kind> <id>@<version>` (and `reset`) strings, in order; ids shortened to what follows their last `-`. */
  trace(watch: string): string[] {
    return this.events.filter((e) => e.params.watch === watch).map((e) => (e.reset ? 'reset' : `${e.params.kind} ${shortId(e.params.id)}@${e.params.version}`));
  }
}

/** `tag-…-r1` → `r1`: test ids end in a short name after their unique prefix. */
export function shortId(id: string): string {
  return id.slice(id.lastIndexOf('-') + 1);
}
