import { SerpentError } from '@serpent/errors';
import type { CommandIo } from './command-io.js';

/**
 * Asks before a change. `yes` (the `-y` flag) answers for the user. Without a terminal there is
 * nobody to ask: that is an error telling to pass `-y`, never a silent yes. A "no" throws
 * CANCELLED, which the tools map to their own exit status.
 */
export async function confirm(io: CommandIo, question: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!io.readLine) {
    throw new SerpentError('CONFIRMATION_NEEDED', `${question} — no terminal to ask on`, {
      hint: 'pass -y (--yes) to proceed without asking',
    });
  }
  const answer = (await io.readLine(`${question} [y/N] `))?.trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes')
    throw new SerpentError('CANCELLED', 'cancelled, nothing was changed');
}
