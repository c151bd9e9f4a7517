// Runs the one scheduler suite over every backend the Scheduler offers.
import { Scheduler } from '../../src/index.js';
import { schedulerSuite } from './scheduler-suite.js';

schedulerSuite('withSequential()', () => Scheduler.withSequential(), { isolated: false });
schedulerSuite('withThreads(1)', () => Scheduler.withThreads(1), { isolated: true });
schedulerSuite('withThreads(2)', () => Scheduler.withThreads(2), { isolated: true });
schedulerSuite('withProcesses(1)', () => Scheduler.withProcesses(1), { isolated: true });
