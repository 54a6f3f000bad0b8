import { stringify } from 'yaml';
import { MODEL_VERSION, type SystemModel } from './system-model.js';

const HEADER = `# moss system model: what this system should have (version ${MODEL_VERSION}).
# \`moss sync --model FILE\` makes a system match it: it installs what is missing and removes
# whatever nothing listed here needs. It names no versions; a lock file (\`moss state export\`)
# records exactly which ones a system got.
`;

/**
 * A system model as YAML, with a comment saying what it is. Repositories in the order given
 * (the same entries as `etc/moss/repo.d/*.yaml`); packages in the order given.
 */
export function serializeModel(model: SystemModel): string {
  const doc: Record<string, unknown> = { version: MODEL_VERSION };
  if (model.repositories !== undefined) {
    doc.repositories = Object.fromEntries(
      model.repositories.map((r) => [
        r.id,
        {
          uri: r.uri,
          priority: r.priority,
          ...(r.description ? { description: r.description } : {}),
          ...(r.active ? {} : { active: false }),
          ...(r.keys.length > 0 ? { keys: [...r.keys] } : {}),
        },
      ]),
    );
  }
  doc.packages = [...model.packages];
  return HEADER + stringify(doc, { lineWidth: 0 });
}
