import * as fs from 'node:fs';
import * as path from 'node:path';
import { isActorClass, type Constructor } from '../actor';
import { destinationRecordOf } from '../destinations/Destination';
import { sharedObjectRecordOf } from '../shared/SharedObject';

/**
 * Loads the actor, destination and shared-object classes (`@Actor`, `@Destination`, `@SharedObject`) exported by the compiled modules
 * (`.js`) in `dir` and its subfolders.
 * A module that fails to load is a startup error naming the file; a folder with no actor class is
 * reported too, since a node that serves nothing is almost certainly misconfigured.
 */
export function loadActors(dir: string): { classes: Constructor[]; destinations: Constructor[]; sharedObjects: Constructor[]; files: string[] } {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new Error(`actor folder ${root} does not exist (set node.actors, ACTORGRID_NODE_ACTORS or --actors; run "npm run build" first for the default dist/actors)`);
  }
  const classes = new Set<Constructor>();
  const destinations = new Set<Constructor>();
  const sharedObjects = new Set<Constructor>();
  const files: string[] = [];
  for (const file of jsFiles(root)) {
    let exported: Record<string, unknown>;
    try {
      exported = require(file) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`cannot load actor module ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const found = Object.values(exported).filter(isActorClass);
    const dests = Object.values(exported).filter((v): v is Constructor => destinationRecordOf(v) !== undefined);
    const shared = Object.values(exported).filter((v): v is Constructor => sharedObjectRecordOf(v) !== undefined);
    if (found.length + dests.length + shared.length > 0) files.push(file);
    found.forEach((c) => classes.add(c));
    dests.forEach((c) => destinations.add(c));
    shared.forEach((c) => sharedObjects.add(c));
  }
  if (classes.size + destinations.size + sharedObjects.size === 0) throw new Error(`no @Actor, @Destination or @SharedObject classes found in ${root}`);
  return { classes: [...classes], destinations: [...destinations], sharedObjects: [...sharedObjects], files };
}

function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...jsFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.js')) out.push(full);
  }
  return out;
}
