import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fdSource, readElf } from '@serpent/elf';
import { collectInstallRoot } from './collect.js';
import { debugScript, type StripTarget } from './debug-script.js';
import { type PhaseContext, runPhase } from './phase-runner.js';
import { GUEST } from './workspace.js';

/**
 * Splits debug info off every ELF file with a build-id and strips it (unless the recipe says
 * `strip: false`), as one `strip` phase in the container: the build root's own objcopy and
 * strip, not the host's. Failed steps are warnings, as in the original.
 */
export async function splitDebugInfo(ctx: PhaseContext): Promise<void> {
  const { files } = await collectInstallRoot(ctx.ws.install);
  const elfs = files.flatMap((f): StripTarget[] => {
    if (f.type !== 'regular' || f.size < 52 || /\/debug\/.*\.debug$/.test(f.path)) return [];
    const fd = openSync(f.hostPath, 'r');
    try {
      const elf = readElf(fdSource(fd, f.size), f.path);
      return elf?.buildId ? [{ guestPath: `${GUEST.install}${f.path}`, path: f.path, elf }] : [];
    } catch {
      return []; // analysis reports malformed objects; splitting skips them
    } finally {
      closeSync(fd);
    }
  });
  if (elfs.length === 0) return;
  const job = ctx.plan.targets.at(-1)!;
  const script = debugScript(elfs, {
    installRoot: GUEST.install,
    toolchain: ctx.plan.toolchain ?? 'llvm',
    strip: ctx.plan.strip ?? true,
  });
  const timing = await runPhase(ctx, {
    name: 'strip',
    script,
    target: job.target,
    stage: 'none',
    cwd: GUEST.install,
  });
  const warnings = (await readFile(timing.log, 'utf8')).split('\n').filter((l) => l.startsWith('warning: '));
  if (warnings.length > 0) {
    ctx.emit({
      type: 'warning',
      message: `${warnings.length} debug split/strip step(s) failed`,
      paths: warnings,
    });
  }
}
