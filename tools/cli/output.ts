// What a command prints: the human report on stdout, or with --json one JSON object on stdout
// and the report's lines on stderr, so `vigil <command> --json | jq` always reads valid JSON
// while a person watching still sees what happened. Notes and hints always go to stderr.
import type { FlagSpec } from './args';

export const JSON_FLAG = {
  json: { type: 'boolean', help: 'print the result as one JSON object on stdout (progress, notes and the report lines on stderr)' },
} as const satisfies FlagSpec;

export class Output {
  constructor(readonly json: boolean) {}

  /** A line of the report. */
  say(line: string): void {
    if (this.json) console.error(line);
    else console.log(line);
  }

  /** A note or a hint beside the result (stderr). */
  note(line: string): void {
    console.error(line);
  }

  /** The command's result: printed under --json only (the report lines said it otherwise). */
  result(value: object): void {
    if (this.json) console.log(JSON.stringify(value, null, 2));
  }
}
