import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { projectRoot } from './harness/projectRoot';

/** Where the bundle goes, under the project root; the node serves it (src/transport/http/clientBundleRoute.ts). */
export const BROWSER_BUNDLE = 'dist/browser/actorgrid-client.mjs';

/**
 * The size budget of the bundle, minified and gzipped (docs/client.md "In the browser"). Measured
 * 2026-12-01 at 19.5 KiB (55.0 KiB minified); test/unit/browserBundle.test.ts fails the build when it grows past this.
 */
export const BROWSER_BUNDLE_GZIP_BUDGET_BYTES = 24 * 1024;

/**
 * The browser side of each `platform` import: `./platform` (Node: `ws`, process warnings) becomes
 * `./platform.browser` (standard WebSocket, console), as a package.json `browser` field would.
 */
const browserPlatform: Plugin = {
  name: 'actorgrid-browser-platform',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/platform$/ }, (args) => ({ path: path.join(args.resolveDir, 'platform.browser.ts') }));
  },
};

/**
 * Bundles src/client/browser.ts into one minified ESM file for browsers (standard WebSocket and
 * fetch; no Node built-in may be imported: esbuild fails on one), plus a `.d.mts` that reuses tsc's
 * declarations of src/client. Returns the sizes.
 */
export async function buildBrowserClient(root: string = projectRoot(__dirname)): Promise<{ file: string; bytes: number; gzipBytes: number }> {
  const file = path.join(root, BROWSER_BUNDLE);
  await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'src/client/browser.ts')],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    plugins: [browserPlatform],
    logLevel: 'warning',
  });
  // tsc wrote dist/src/client/browser.d.ts; the bundle's types are exactly those.
  fs.writeFileSync(file.replace(/\.mjs$/, '.d.mts'), "export * from '../src/client/browser.js';\n");
  const bytes = fs.readFileSync(file);
  return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
}

if (require.main === module) {
  buildBrowserClient().then(
    ({ file, bytes, gzipBytes }) => console.log(`${path.relative(process.cwd(), file)}: ${(bytes / 1024).toFixed(1)} KiB, ${(gzipBytes / 1024).toFixed(1)} KiB gzip`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
