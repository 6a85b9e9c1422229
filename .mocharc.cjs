// Mocha config. One real Hazelcast cluster per run is started by the root hooks in
// dist/test/hooks.js (compile first: `npm run build`, or just `npm test`).
//
// Mocha adds spec files named on the command line to a configured `spec` instead of replacing
// it (mochajs/mocha#5412), so `npx mocha dist/test/harness.test.js` would run every test. The
// default spec therefore applies only when no spec file, directory or glob is named.
const FILE_VALUED_OPTIONS = new Set(['-r', '--require', '--file', '--config', '--package', '--ignore', '--exclude']);
const args = process.argv.slice(2);
const namesSpec = args.some(
  (arg, i) =>
    arg === '--spec' ||
    arg.startsWith('--spec=') ||
    (!arg.startsWith('-') && !FILE_VALUED_OPTIONS.has(args[i - 1]) && /\.[cm]?js$|[*?]|^\.?\/?dist\//.test(arg)),
);

module.exports = {
  ...(namesSpec ? {} : { spec: ['dist/test/**/*.test.js'] }),
  // reflect-metadata first: actor classes' decorators need it, as an app's entry point loads it.
  require: ['reflect-metadata', 'dist/test/hooks.js'],
  reporter: 'dist/test/support/summaryReporter.js',
  timeout: 60000,
  exit: true,
};
