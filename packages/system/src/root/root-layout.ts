import { join } from 'node:path';

/** Every path moss uses under an installation root, named as the original names them. */
export interface RootLayout {
  readonly root: string;
  readonly usr: string;
  /** `<root>/usr/.stateID`: the active state's id; the only record of which state is live. */
  readonly stateIdFile: string;
  readonly moss: string;
  readonly dbDir: string;
  readonly installDb: string;
  readonly layoutDb: string;
  readonly stateDb: string;
  readonly cacheDir: string;
  readonly downloadsDir: string;
  readonly repoDir: string;
  readonly rootsDir: string;
  /** `.moss/root/staging`: the next `/usr` is built in `staging/usr`. */
  readonly staging: string;
  readonly stagingUsr: string;
  /** `.moss/journal.json`: the transaction in flight, for recovery after a crash. */
  readonly journal: string;
  /**
   * `.moss/boot-activation.json`: left by the initrd's moss-fstx after it made the state picked
   * in the boot menu live; the next moss run makes that state the boot menu's default.
   */
  readonly bootActivation: string;
  /** `.moss/root/<id>/usr`: an archived state's tree. */
  stateUsr(id: number): string;
  /**
   * `.moss/root/spare/usr`: a tree an interrupted transaction finished but did not make live;
   * the next transaction changes it into its own (its ledger says what it holds).
   */
  readonly spareUsr: string;
}

export function rootLayout(root: string): RootLayout {
  const moss = join(root, '.moss');
  const rootsDir = join(moss, 'root');
  const staging = join(rootsDir, 'staging');
  return {
    root,
    usr: join(root, 'usr'),
    stateIdFile: join(root, 'usr', '.stateID'),
    moss,
    dbDir: join(moss, 'db'),
    installDb: join(moss, 'db', 'install'),
    layoutDb: join(moss, 'db', 'layout'),
    stateDb: join(moss, 'db', 'state'),
    cacheDir: join(moss, 'cache'),
    downloadsDir: join(moss, 'cache', 'downloads', 'v1'),
    repoDir: join(moss, 'repo'),
    rootsDir,
    staging,
    stagingUsr: join(staging, 'usr'),
    journal: join(moss, 'journal.json'),
    bootActivation: join(moss, 'boot-activation.json'),
    stateUsr: (id) => join(rootsDir, String(id), 'usr'),
    spareUsr: join(rootsDir, 'spare', 'usr'),
  };
}
