/** The pool fault suite, once per pool backend. */
import { ProcessExecutor, ThreadExecutor } from '../../src/index.js';
import { poolFaults } from './pool-faults.js';

poolFaults('threads', (options) => new ThreadExecutor(options));
poolFaults('processes', (options) => new ProcessExecutor(options));
