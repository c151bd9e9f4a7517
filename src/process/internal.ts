/**
 * Hooks between Process and WorkChain, keyed by symbols so they stay out of the public surface and
 * out of the way of user method names. Not exported from the package.
 */

/** Option key: the constructor builds an empty shell that fromBundle fills. */
export const RESTORING = Symbol('taskfarm.process.restoring');
/** `[SAVE_STATE](): JsonObject`: the subclass's own part of a checkpoint. */
export const SAVE_STATE = Symbol('taskfarm.process.saveState');
/** `[LOAD_STATE](state, fail)`: reads it back (synchronously). */
export const LOAD_STATE = Symbol('taskfarm.process.loadState');
/** `[AFTER_LOAD](options)`: asynchronous part of a restore (reattaching children). */
export const AFTER_LOAD = Symbol('taskfarm.process.afterLoad');
/** `[SETTLED]()`: resolves when the process has terminated and its checkpoints are written. */
export const SETTLED = Symbol('taskfarm.process.settled');
/** `[ENSURE_STARTED]()`: schedules the process to run (on a microtask) unless it already runs. */
export const ENSURE_STARTED = Symbol('taskfarm.process.ensureStarted');
/** `[ON_ENTER](state)`: called on every state change, before listeners. */
export const ON_ENTER = Symbol('taskfarm.process.onEnter');
/** `[FAIL](error)`: excepts the process from outside a step (an awaitable failed). */
export const FAIL = Symbol('taskfarm.process.fail');
/** `[IN_STEP]`: true while a step of the process runs. */
export const IN_STEP = Symbol('taskfarm.process.inStep');

/** Raises a CorruptCheckpointError about the bundle being loaded. */
export type LoadFail = (why: string, cause?: unknown) => never;
/** `[CHECKPOINT]()`: saves an automatic checkpoint now (a launched child, before its parent names it). */
export const CHECKPOINT = Symbol('taskfarm.process.checkpoint');
/** `[ON_DRIVE]()`: called when the stepping loop starts (a restored chain starts its children then). */
export const ON_DRIVE = Symbol('taskfarm.process.onDrive');
/** `[CHILD_OPTIONS]`: the persister and executor a launched child inherits. */
export const CHILD_OPTIONS = Symbol('taskfarm.process.childOptions');
/** `[MACHINE_FIELDS]`: the state machine's fields, for checkpoints (get) and restores (set). */
export const MACHINE_FIELDS = Symbol('taskfarm.process.machineFields');
/** `[OUTPUTS]`: the outputs emitted so far (the machine reports them with `finished`). */
export const OUTPUTS = Symbol('taskfarm.process.outputs');
/** `[CHECK_OUTPUTS]()`: why the outputs do not complete the process (a missing required one), or undefined. */
export const CHECK_OUTPUTS = Symbol('taskfarm.process.checkOutputs');
/** `[AFTER_CHANGE]()`: called after every turn of the loop and every external state change (automatic checkpoints). */
export const AFTER_CHANGE = Symbol('taskfarm.process.afterChange');
