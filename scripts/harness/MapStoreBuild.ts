import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './projectRoot';

/** The class members name in their config to persist a map (mapstore/). */
export const MAPSTORE_CLASS = 'io.actorgrid.mapstore.GridMapStore';

/**
 * Builds the PostgreSQL MapStore module (`mapstore/`, Java 17, Maven) once per version of its
 * sources and returns the class path entries members need: the module's jar and its runtime
 * dependencies (`lib/*`: the PostgreSQL driver, HikariCP, SLF4J).
 *
 * The build goes to `<project>/.cache/mapstore/<hash of pom.xml and src/>`: a changed source is
 * rebuilt, an unchanged one never. `mvn -q package` writes into a private directory that is renamed
 * into place when complete, so concurrent callers never see a half-built module.
 *
 * @throws Error with Maven's output if the build fails (Maven missing, no network to Central, a
 *   compile error).
 * @example const classpath = await ensureMapStoreBuild(); // ['/repo/.cache/mapstore/ab12…/actorgrid-mapstore.jar', '…/lib/*']
 */
export async function ensureMapStoreBuild(root: string = projectRoot()): Promise<string[]> {
  const module = path.join(root, 'mapstore');
  const out = path.join(root, '.cache', 'mapstore', sourceHash(module));
  const classpath = [path.join(out, 'actorgrid-mapstore.jar'), path.join(out, 'lib', '*')];
  if (fs.existsSync(classpath[0])) return classpath;

  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = fs.mkdtempSync(`${out}.build-`);
  try {
    await mvn(['-q', '-B', 'package', `-Dactorgrid.build.dir=${tmp}`], module);
    if (!fs.existsSync(path.join(tmp, 'actorgrid-mapstore.jar'))) {
      throw new Error(`mvn package in ${module} finished but produced no actorgrid-mapstore.jar in ${tmp}`);
    }
    try {
      fs.renameSync(tmp, out);
    } catch (err) {
      if (!fs.existsSync(classpath[0])) throw err; // else a concurrent build won: use it
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return classpath;
}

/** A short hash of the module's pom.xml and every file under src/. */
function sourceHash(module: string): string {
  const hash = createHash('sha256');
  const files = [path.join(module, 'pom.xml'), ...listFiles(path.join(module, 'src'))].sort();
  for (const file of files) hash.update(path.relative(module, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 12);
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}

function mvn(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mvn', args, { cwd, timeout: 600_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const detail = `${stdout}\n${stderr}`.trim();
      reject(new Error(`building the MapStore module failed: mvn ${args.join(' ')} (in ${cwd}): ${err.message}${detail ? `\n${detail}` : ''}`));
    });
  });
}
