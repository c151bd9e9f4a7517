// The process face (plumpy): what users write against. src/index.ts re-exports these names.
export { Process } from './process.js';
export type { ProcessOptions } from './process.js';
export { WorkChain } from './workchain.js';
export type { AnyContext } from './workchain.js';
export { ProcessState } from './states.js';
export { Continue, Wait, Stop, Kill, isCommand } from './commands.js';
export type { Command, ContinueCommand, WaitCommand, StopCommand, KillCommand, StepMethod } from './commands.js';
export { ProcessSpec } from './spec.js';
export { WorkChainSpec } from './workchain-spec.js';
export { Port, PortNamespace } from './ports.js';
export type { PortOptions, NamespaceOptions, Validator, ValidatorFunction } from './ports.js';
export { if_, while_, return_, IfInstruction, WhileInstruction, ReturnInstruction } from './outline.js';
export type { OutlineEntry, StepLike, Instruction } from './outline.js';
export { append_ } from './awaitables.js';
export type { Awaitable, Appended } from './awaitables.js';
export type { ProcessEvents, ProcessListener, AnyProcess } from './events.js';
export type { Default, InputArgs, InputsView, PortPath, ValueAt, AnyPorts } from './types.js';
export { registerProcesses } from './registry.js';
export {
  ProcessError, ProcessStateError, InvalidCommandError, KilledError, ProcessDefinitionError, NotSerializableError,
  AwaitableError, PortValidationError, UnknownPortError, RequiredPortError,
} from './errors.js';
export type { PortErrorOptions } from './errors.js';
