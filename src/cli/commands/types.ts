/** What a command module exports as `command`: its run function (argv after the command name). */
export interface CommandModule {
  run(argv: string[]): Promise<number | void>;
}

/** A command of the `peapod` dispatcher: its one-line summary (stated once, in index.ts) and run. */
export interface Command extends CommandModule {
  summary: string;
}
