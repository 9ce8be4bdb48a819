export interface Command {
  summary: string;
  run(argv: string[]): Promise<number | void>;
}
