// Persistence: what users write against. src/index.ts re-exports these names.
export { MemoryPersister } from './memory.js';
export { SqlitePersister } from './sqlite.js';
export type { SqlitePersisterOptions } from './sqlite.js';
export { PostgresPersister } from './postgres.js';
export type { PostgresPersisterOptions } from './postgres.js';
export type { PgPool } from './pg-loader.js';
export { Checkpoint } from './types.js';
export type { Persister, CheckpointKey } from './types.js';
export {
  BUNDLE_FORMAT, BUNDLE_VERSION, createBundle, parseBundle, unbundle, registerProcessClass, registeredProcessClass,
} from './bundle.js';
export type { ProcessBundle, Savable, RestorableClass, UnbundleOptions, JsonObject, JsonValue } from './bundle.js';
export {
  CheckpointError, CheckpointNotFoundError, CorruptCheckpointError, UnknownProcessClassError, CheckpointSaveError,
  PersisterClosedError, PersisterSetupError,
} from './errors.js';
