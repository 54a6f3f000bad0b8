import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Whether util-linux `script` can give a command a pseudo-terminal here. */
export const HAVE_SCRIPT = spawnSync('script', ['-qfec', 'true', '/dev/null']).status === 0;

/**
 * A command on a pseudo-terminal, driven as a person would: `script(1)` runs it on a pty, we
 * type into `script`'s stdin and read what the terminal shows (echoed input included, with
 * `\r\n` line ends made `\n`). `-e` makes `script` exit with the command's status.
 */
export class PtySession {
  private readonly child: ChildProcess;
  private text = '';
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(argv: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn('script', ['-qfec', argv.map(q).join(' '), '/dev/null'], {
      env: { TERM: 'xterm', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const take = (c: Buffer) => {
      this.text += c.toString('utf8').replaceAll('\r\n', '\n');
      for (const w of this.waiters) w();
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('close', (status) => resolve(status)));
  }

  /** Everything the terminal has shown so far. */
  get output(): string {
    return this.text;
  }

  /** Resolves once the terminal has shown text matching `re` (after `from`), else rejects after `ms`. */
  waitFor(re: RegExp, ms = 60_000, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(this.text.slice(from));
        if (!m) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the terminal never showed ${re}; it showed:\n${this.text}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** Types a line (Enter included). */
  type(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Ctrl-C, as the terminal sends it to its foreground process group. */
  interrupt(): void {
    this.child.stdin!.write('\x03');
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
