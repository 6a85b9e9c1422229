import * as fs from 'node:fs';
import * as Mocha from 'mocha';

/**
 * Mocha's spec reporter, plus one plain closing line `N passed, N failed` (`, N skipped` when any
 * were pending) so that every run, CI's included, shows how many tests really ran.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const stats = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const skipped = stats.pending > 0 ? `, ${stats.pending} skipped` : '';
      // Registered after the spec reporter's epilogue, so it comes last; written synchronously so that
      // mocha's --exit cannot cut it off.
      fs.writeSync(1, `\n${stats.passes} passed, ${stats.failures} failed${skipped}\n`);
    });
  }
}

export = SummaryReporter;
