/**
 * The process state machine of plumpy: which states there are and which transitions are allowed.
 * Every state change of a process goes through {@link assertTransition}, so an impossible one is an
 * error instead of a corrupted process.
 */
import { ProcessStateError } from './errors.js';

/** The states of a process. FINISHED, EXCEPTED and KILLED are terminal. */
export const ProcessState = {
  CREATED: 'CREATED',
  RUNNING: 'RUNNING',
  WAITING: 'WAITING',
  FINISHED: 'FINISHED',
  EXCEPTED: 'EXCEPTED',
  KILLED: 'KILLED',
} as const;
export type ProcessState = (typeof ProcessState)[keyof typeof ProcessState];

const ALLOWED: Readonly<Record<ProcessState, readonly ProcessState[]>> = {
  CREATED: ['RUNNING', 'KILLED', 'EXCEPTED'],
  // RUNNING → RUNNING is a Continue: the next step in the same state.
  RUNNING: ['RUNNING', 'WAITING', 'FINISHED', 'KILLED', 'EXCEPTED'],
  WAITING: ['RUNNING', 'KILLED', 'EXCEPTED'],
  FINISHED: [],
  EXCEPTED: [],
  KILLED: [],
};

export function isProcessState(value: unknown): value is ProcessState {
  return typeof value === 'string' && Object.hasOwn(ALLOWED, value);
}

export function isTerminal(state: ProcessState): boolean {
  return state === 'FINISHED' || state === 'EXCEPTED' || state === 'KILLED';
}

/** The states `from` may move to. */
export function allowedTransitions(from: ProcessState): readonly ProcessState[] {
  return ALLOWED[from];
}

export function assertTransition(from: ProcessState, to: ProcessState, what: string): void {
  if (!ALLOWED[from].includes(to)) {
    throw new ProcessStateError(`${what}: a ${from} process cannot become ${to} (allowed: ${ALLOWED[from].join(', ') || 'none, it has terminated'})`);
  }
}
