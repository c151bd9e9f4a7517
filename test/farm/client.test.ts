/** The TaskClient suite, once per pool backend. */
import { clientSuite } from './client-suite.js';

clientSuite('threads');
clientSuite('processes');
