// workerpool's worker script: registers the shared task functions under their names.
import workerpool from 'workerpool';
import { inc, spin } from './tasks.mjs';

workerpool.worker({ inc, spin });
