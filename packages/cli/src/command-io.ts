import { isatty } from 'node:tty';
/** Where a command writes. The tools pass the process streams; tests pass buffers. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when stderr is a terminal: progress bars and colour are drawn only then. */
  readonly isTty: boolean;
  /** Terminal width for column lists; 80 when unknown. */
  readonly columns: number;
  /** Reads one line of an answer (prompts); undefined when there is no interactive input. */
  readonly readLine?: (question: string) => Promise<string | undefined>;
}

/**
 * The process's own streams, with a line reader on a TTY stdin. Each stream is made only when
 * first written (or read): touching `process.stdin` or `process.stderr` builds a stream object
 * and loads Node's stream modules, ~3 ms each at start-up, for a command that never uses them.
 */
export function processIo(): CommandIo {
  // `moss list installed | head`: a reader that goes away is not an error worth a stack trace.
  const quietOnEpipe = (stream: NodeJS.WriteStream) =>
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  let out: NodeJS.WriteStream | undefined;
  let err: NodeJS.WriteStream | undefined;
  const stdout = () => {
    out ??= quietOnEpipe(process.stdout);
    return out;
  };
  const stderr = () => {
    err ??= quietOnEpipe(process.stderr);
    return err;
  };
  return {
    stdout: (t) => void stdout().write(t),
    stderr: (t) => void stderr().write(t),
    isTty: isatty(2),
    columns: isatty(1) ? (stdout().columns ?? 80) : 80,
    ...(isatty(0)
      ? {
          readLine: async (question: string) => {
            const { createInterface } = await import('node:readline/promises');
            const rl = createInterface({ input: process.stdin, output: stderr() });
            try {
              return await rl.question(question);
            } finally {
              rl.close();
            }
          },
        }
      : {}),
  };
}

/** An in-memory Io for tests and embedding: everything written is kept. */
export function bufferIo(options: { isTty?: boolean; answers?: string[] } = {}): CommandIo & {
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  const answers = options.answers ? [...options.answers] : undefined;
  return {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    isTty: options.isTty ?? false,
    columns: 80,
    ...(answers ? { readLine: async () => answers.shift() } : {}),
    out: () => out,
    err: () => err,
  };
}
