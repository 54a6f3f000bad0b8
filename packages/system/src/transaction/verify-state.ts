import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xxh3_128 } from '@serpent/stone';
import type { AssetUse, VerifyIssue, VerifyReport } from '../root/root-types.js';
import { TransactionError } from '../transaction-error.js';
import { applyState, buildStateTree, packageLabel } from './apply-state.js';
import type { Installation } from './installation.js';
import { type EventSink, phase } from './transaction-event.js';

/**
 * Every installed file whose content is one of `hashes`, so a damaged asset is named by what
 * it breaks (a content may be shared by several paths and packages).
 */
function assetUses(inst: Installation, hashes: ReadonlySet<string>): Map<string, AssetUse[]> {
  const uses = new Map<string, AssetUse[]>();
  if (hashes.size === 0) return uses;
  const ids = inst.dbs.layout.packageIds();
  for (const [id, entries] of inst.dbs.layout.layoutsOf(ids)) {
    for (const e of entries) {
      if (e.type !== 'regular' || !hashes.has(e.hash)) continue;
      const list = uses.get(e.hash) ?? [];
      list.push({ package: packageLabel(inst, id), path: `/usr/${e.target}` });
      uses.set(e.hash, list);
    }
  }
  return uses;
}

/**
 * Checks the store and the live tree. Every asset any state uses is re-hashed (missing and
 * altered ones reported); every path of the active state must exist with its type, symlinks
 * with their target, and regular files must still be the store's asset (same inode) or, when
 * the blit made a copy, hash to the layout's digest. Unlike the original, files are checked,
 * not just paths: an edited or replaced file is found.
 */
export async function verifyState(
  inst: Installation,
  options: { onEvent?: EventSink } = {},
): Promise<VerifyReport> {
  const { onEvent } = options;
  return phase(onEvent, 'verify', async () => {
    const issues: VerifyIssue[] = [];
    const expected = inst.dbs.layout.referencedHashes();
    const store = await inst.store.verify({
      expected,
      onProgress: (p) => onEvent?.({ type: 'verify-progress', checked: p.checked, total: p.total }),
    });
    const uses = assetUses(inst, new Set([...store.missing, ...store.corrupt]));
    for (const hash of store.missing)
      issues.push({ kind: 'missing-asset', hash, usedBy: uses.get(hash) ?? [] });
    for (const hash of store.corrupt)
      issues.push({ kind: 'corrupt-asset', hash, usedBy: uses.get(hash) ?? [] });
    let pathsChecked = 0;
    const active = inst.activeStateId();
    const state = active === undefined ? undefined : inst.dbs.state.getState(active);
    if (active !== undefined && state) {
      const tree = buildStateTree(inst, state.selections);
      const usr = inst.layout.usr;
      for (const node of tree.walk()) {
        pathsChecked++;
        const p = join(usr, node.path);
        let st: ReturnType<typeof lstatSync>;
        try {
          st = lstatSync(p);
        } catch {
          issues.push({ kind: 'missing-path', state: active, path: `/usr/${node.path}`, package: node.pkg });
          continue;
        }
        const typeOk =
          node.kind === 'directory'
            ? st.isDirectory()
            : node.kind === 'symlink'
              ? st.isSymbolicLink()
              : st.isFile();
        if (!typeOk) {
          issues.push({ kind: 'wrong-type', state: active, path: `/usr/${node.path}`, package: node.pkg });
          continue;
        }
        if (node.kind === 'symlink' && readlinkSync(p) !== node.target) {
          issues.push({ kind: 'altered-path', state: active, path: `/usr/${node.path}`, package: node.pkg });
        } else if (node.kind === 'regular') {
          const asset = inst.store.assetPath(node.hash);
          const same = existsSync(asset) && statSync(asset).ino === st.ino;
          if (!same && (await xxh3_128(readFileSync(p))) !== node.hash.padStart(32, '0')) {
            issues.push({
              kind: 'altered-path',
              state: active,
              path: `/usr/${node.path}`,
              package: node.pkg,
            });
          }
        }
      }
    }
    return { assetsChecked: store.checked, pathsChecked, issues };
  });
}

/**
 * Repairs what verify found: corrupt assets are deleted and every affected package is
 * precached again from its stone (the local file or the cached download it was installed from;
 * every asset is verified against its digest as it is stored); then, if the live tree has issues or used a repaired
 * asset, the active state is re-blitted and swapped in under the same id.
 */
export async function repairState(
  inst: Installation,
  report: VerifyReport,
  options: { onEvent?: EventSink } = {},
): Promise<void> {
  const badHashes = new Set(
    report.issues.flatMap((i) => (i.kind === 'missing-asset' || i.kind === 'corrupt-asset' ? [i.hash] : [])),
  );
  if (badHashes.size > 0) {
    await inst.store.verify({ expected: badHashes, repair: true });
    const packages = inst.dbs.install.listPackages();
    const layouts = inst.dbs.layout.layoutsOf(packages.map((p) => p.id));
    const affected = packages.filter((p) =>
      (layouts.get(p.id) ?? []).some((e) => e.type === 'regular' && badHashes.has(e.hash)),
    );
    const sources = affected.map((p) => {
      const local = localPath(p.meta.packageUri);
      const hash = p.meta.packageHash;
      const download = hash
        ? join(inst.layout.downloadsDir, hash.slice(0, 5), hash.slice(-5), hash)
        : undefined;
      const path = local ?? (download && existsSync(download) ? download : undefined);
      if (path === undefined) {
        throw new TransactionError(
          'TX_STONE_UNAVAILABLE',
          `cannot repair ${p.meta.name}: its stone ${p.meta.packageUri ?? '(unknown)'} is gone`,
          {
            hint: 'put the .stone back where it was installed from, or reinstall the package from a repository',
            details: { package: p.id },
          },
        );
      }
      return path;
    });
    await inst.store.precacheMany(sources, { index: false });
  }
  const active = inst.activeStateId();
  const state = active === undefined ? undefined : inst.dbs.state.getState(active);
  if (state && (badHashes.size > 0 || report.issues.some((i) => 'state' in i))) {
    await applyState(inst, {
      kind: 'repair',
      selections: state.selections,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
  }
}

/**
 * The local stone a package was installed from, if it is still there: its URI is a file://
 * URL (a bare path in install DBs our earlier versions wrote).
 */
function localPath(uri: string | undefined): string | undefined {
  if (uri === undefined) return undefined;
  let path: string;
  try {
    path = uri.startsWith('file:') ? fileURLToPath(uri) : uri;
  } catch {
    return undefined;
  }
  return path.startsWith('/') && existsSync(path) ? path : undefined;
}
