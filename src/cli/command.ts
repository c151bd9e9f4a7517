/**
 * The shape of a `taskfarm` subcommand. `main.ts` only dispatches to these, so a new command
 * (`worker`, `daemon`, `status`, `ps`...) is one module implementing this plus one line in its list.
 */

/** The streams and directory a command works with: passed in so commands never reach for globals. */
export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Relative paths given on the command line are resolved against it. */
  cwd: string;
}

export interface Command {
  /** What the user types: `taskfarm <name> ...`. */
  name: string;
  /** One line for the command list of `taskfarm --help`. */
  summary: string;
  /** The full help of the command (`taskfarm <name> --help`, `taskfarm help <name>`). */
  usage: string;
  /**
   * Runs the command and resolves to the process exit code. Bad usage is thrown as a
   * `ValidationError` (or `TaskDefinitionError` for a bad task) and becomes exit code 2.
   */
  run(argv: string[], io: CommandIO): Promise<number>;
}
