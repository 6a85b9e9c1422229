import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './projectRoot';

/** The Hazelcast member version the harness runs; pinned, fetched from Maven Central. */
export const HAZELCAST_VERSION = '5.7.0';

/** Oldest Java major version Hazelcast 5.7 members run on. */
export const MIN_JAVA_MAJOR = 17;

const ARTIFACT = `com.hazelcast:hazelcast:${HAZELCAST_VERSION}`;

/**
 * Makes sure the pinned Hazelcast jar is available and returns its absolute path
 * (`<project>/.cache/hazelcast/hazelcast-<version>.jar`).
 *
 * Checks that Java 17+ is installed, and, only when the jar still has to be fetched, that Maven
 * is installed too; fetches the jar once with `mvn dependency:copy` (into a private temporary
 * directory first, then renamed, so concurrent callers never see a half-written jar).
 *
 * @throws Error naming what is missing and how to install it.
 * @example const jar = await ensureHazelcastJar(); // '/repo/.cache/hazelcast/hazelcast-5.7.0.jar'
 */
export async function ensureHazelcastJar(root: string = projectRoot()): Promise<string> {
  await checkJava();
  const dir = path.join(root, '.cache', 'hazelcast');
  const jar = path.join(dir, `hazelcast-${HAZELCAST_VERSION}.jar`);
  if (fs.existsSync(jar)) return jar;

  await checkMaven();
  fs.mkdirSync(dir, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(dir, 'fetch-'));
  try {
    await run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${tmp}`], tmp, 300_000);
    const fetched = path.join(tmp, path.basename(jar));
    if (!fs.existsSync(fetched)) {
      throw new Error(`mvn dependency:copy of ${ARTIFACT} finished but produced no ${path.basename(jar)} in ${tmp}`);
    }
    fs.renameSync(fetched, jar);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return jar;
}

async function checkJava(): Promise<void> {
  let output: string;
  try {
    // `java -version` writes to stderr.
    output = (await run('java', ['-version'], undefined, 30_000)).stderr;
  } catch (err) {
    throw new Error(
      `Java ${MIN_JAVA_MAJOR}+ is required to run Hazelcast members, but \`java -version\` failed ` +
        `(${errorText(err)}). Install a JDK ${MIN_JAVA_MAJOR} or newer (e.g. \`apt-get install openjdk-17-jre-headless\`, ` +
        `or https://adoptium.net) and put \`java\` on the PATH.`,
    );
  }
  const major = javaMajorVersion(output);
  if (major !== undefined && major < MIN_JAVA_MAJOR) {
    throw new Error(
      `Java ${MIN_JAVA_MAJOR}+ is required to run Hazelcast ${HAZELCAST_VERSION} members, but \`java\` on the PATH ` +
        `is Java ${major}. Install a JDK ${MIN_JAVA_MAJOR} or newer and put it first on the PATH.`,
    );
  }
}

async function checkMaven(): Promise<void> {
  try {
    await run('mvn', ['-v'], undefined, 60_000);
  } catch (err) {
    throw new Error(
      `Maven is required to fetch the Hazelcast ${HAZELCAST_VERSION} jar (${ARTIFACT}), but \`mvn -v\` failed ` +
        `(${errorText(err)}). Install Maven (e.g. \`apt-get install maven\`, or https://maven.apache.org) and put ` +
        '`mvn` on the PATH.',
    );
  }
}

/** Major version from `java -version` output: `"17.0.15"` -> 17, legacy `"1.8.0_392"` -> 8. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

interface RunResult {
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string | undefined, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const detail = `${stderr}`.trim() || `${stdout}`.trim();
        reject(new Error(`${command} ${args.join(' ')}: ${err.message}${detail ? `\n${detail}` : ''}`));
        return;
      }
      resolve({ stdout: `${stdout}`, stderr: `${stderr}` });
    });
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
