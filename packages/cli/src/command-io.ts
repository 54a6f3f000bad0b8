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

/** The process's own streams, with a line reader on a TTY stdin. */
export function processIo(): CommandIo {
  const isTty = process.stderr.isTTY === true;
  // `moss list installed | head`: a reader that goes away is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    isTty,
    columns: process.stdout.columns ?? 80,
    ...(process.stdin.isTTY
      ? {
          readLine: async (question: string) => {
            const { createInterface } = await import('node:readline/promises');
            const rl = createInterface({ input: process.stdin, output: process.stderr });
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
