import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'serpent-system-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs a TypeScript fixture of this package in a new Node process, on this package's sources.
 * Its dependencies load from their built `dist` (nx builds them before testing), because Node's
 * type stripping does not cover all of their sources.
 */
export function spawnFixture(name: string, args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      join(packageDir, 'test', 'fixtures', 'ts-source.mjs'),
      join(packageDir, 'test', 'fixtures', name),
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
}

/** Resolves with the first stdout line matching `re` (rejects if the process ends first). */
export function lineMatching(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) {
        child.stdout?.off('data', onData);
        resolve(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code, sig) =>
      reject(new Error(`process ended (${code ?? sig}) before printing ${re}: stdout=${out} stderr=${err}`)),
    );
  });
}

/** Resolves with the exit code and the whole stdout. */
export function finished(
  child: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
