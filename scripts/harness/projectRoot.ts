import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'actorgrid';

/**
 * Absolute path of the actorgrid project root: the nearest directory at or above `from` whose
 * package.json is named "actorgrid". Works both from sources (scripts/harness) and from the
 * compiled output (dist/scripts/harness).
 *
 * @throws Error if no such directory exists above `from`.
 */
export function projectRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (isActorgridRoot(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`cannot find the actorgrid project root (a package.json named "${PACKAGE_NAME}") above ${from}`);
    }
    dir = parent;
  }
}

function isActorgridRoot(dir: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
    return pkg.name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** `.grid/` under the project root: pid files, dev cluster state and member logs (git-ignored). */
export function gridStateDir(root: string = projectRoot()): string {
  return path.join(root, '.grid');
}
