// Prefixed, coloured log lines for `npm start`: one terminal, every process's output tagged with its name.
import readline from "node:readline";
import type { Readable } from "node:stream";

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;

const colors: Record<string, number> = {
  start: 1, // bold
  db: 34, // blue
  redis: 31, // red
  build: 35, // magenta
  web: 36, // cyan
  workers: 33, // yellow
  kubesim: 32, // green
};
const width = 9;
const CONTROL_SEQUENCE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

function paint(code: number, text: string): string {
  return useColor ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** The tag printed before each line of `name`, padded so columns line up. */
export function tag(name: string): string {
  return paint(colors[name] ?? 37, `[${name}]`.padEnd(width));
}

/** Writes one or more lines prefixed with the process tag. */
export function say(name: string, text: string, stream: NodeJS.WriteStream = process.stdout): void {
  for (const line of text.replace(/\s+$/, "").split(/\r?\n/)) {
    stream.write(`${tag(name)} ${line}\n`);
  }
}

export function warn(name: string, text: string): void {
  say(name, paint(33, text), process.stderr);
}

export function fail(name: string, text: string): void {
  say(name, paint(31, text), process.stderr);
}

/** Copies a child's stdout or stderr line by line, each line prefixed. */
export function pipeLines(name: string, input: Readable | null, stream: NodeJS.WriteStream): void {
  if (!input) return;
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  rl.on("line", (line) => {
    // Skip blank lines and lines made only of terminal control codes (cursor show/hide).
    if (line.replace(CONTROL_SEQUENCE, "").trim() !== "") stream.write(`${tag(name)} ${line}\n`);
  });
}

/** A framed block, for things a person must notice once (demo credentials). */
export function box(title: string, lines: string[]): string {
  const inner = Math.max(title.length, ...lines.map((l) => l.length)) + 2;
  const bar = "─".repeat(inner);
  const row = (s: string, bold = false) => `│ ${bold ? paint(1, s.padEnd(inner - 1)) : s.padEnd(inner - 1)}│`;
  return [`┌${bar}┐`, row(title, true), `├${bar}┤`, ...lines.map((l) => row(l)), `└${bar}┘`].join("\n");
}
