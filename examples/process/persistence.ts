/**
 * Persistence (notebook cells 46–50): each step saves a tagged checkpoint of the chain; the
 * persister then holds three, and the one tagged 'step2' rebuilds the chain as it was then.
 * (For crash recovery, pass `{ persister }` to the constructor instead: the chain then checkpoints
 * itself after every step; see docs/process.md.)
 *
 *   npx tsx examples/process/persistence.ts
 */
import { MemoryPersister, WorkChain, type CheckpointKey, type WorkChainSpec } from '../../src/index.js';
import { isMain, show, type Log } from './helpers.js';

export const persister = new MemoryPersister();

export class PersistWorkChain extends WorkChain<object, object, { step: number }> {
  static override define(spec: WorkChainSpec<PersistWorkChain>): void {
    super.define(spec);
    spec.outline((s) => [s.initStep, s.step2, s.step3]);
  }

  override toString(): string {
    return `PersistWorkChain(ctx=${show(this.ctx)})`;
  }

  // The save is not awaited: the persister takes its snapshot of the chain within the call.
  initStep(): void {
    this.ctx.step = 1;
    void persister.saveCheckpoint(this, 'init');
  }

  step2(): void {
    this.ctx.step += 1;
    void persister.saveCheckpoint(this, 'step2');
  }

  step3(): void {
    this.ctx.step += 1;
    void persister.saveCheckpoint(this, 'step3');
  }
}

export async function main(log: Log = console.log): Promise<{ workchain: PersistWorkChain; checkpoints: CheckpointKey[]; restored: PersistWorkChain }> {
  const workchain = new PersistWorkChain();
  await workchain.execute();
  log(String(workchain)); // PersistWorkChain(ctx={ step: 3 })

  // The persister now contains three checkpoints.
  const checkpoints = await persister.getCheckpoints();
  log(show(checkpoints));

  // A checkpoint, by pid and tag, rebuilds the chain as it was.
  const restored = await (await persister.loadCheckpoint(workchain.pid, 'step2')).unbundle<PersistWorkChain>();
  log(String(restored)); // PersistWorkChain(ctx={ step: 2 })
  return { workchain, checkpoints, restored };
}

if (isMain(import.meta.url)) await main();
