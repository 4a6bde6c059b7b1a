/**
 * The test tiers `npm test` runs, in order. A tier is a set of test files (chosen by file-name
 * suffix, so tests sit next to their siblings in the folder that mirrors the source) and the
 * system tools it needs. When a tool is missing the tier is skipped with the command that installs
 * it; under CI=true a skipped tier fails the run.
 */

export interface Tool {
  readonly name: string;
  /** Shell command that exits 0 when the tool is usable. */
  readonly check: string;
  /** What to run to install it (printed when it is missing). */
  readonly install: string;
}

export const TOOLS = {
  gcloudFirestore: {
    name: "Google's Firestore emulator",
    check: 'gcloud emulators firestore --help >/dev/null 2>&1 && java -version >/dev/null 2>&1',
    install:
      'apt-get install -y google-cloud-cli google-cloud-cli-firestore-emulator openjdk-17-jre-headless (Google Cloud SDK apt repository)',
  },
  fakeGcs: {
    name: 'fake-gcs-server',
    check:
      'command -v fake-gcs-server >/dev/null 2>&1 || test -x "$(go env GOPATH 2>/dev/null)/bin/fake-gcs-server"',
    install: 'go install github.com/fsouza/fake-gcs-server@latest',
  },
  chromium: {
    name: 'Chromium',
    check: 'test -x /usr/bin/chromium',
    install: 'apt-get install -y chromium',
  },
  podman: {
    name: 'podman',
    check: 'command -v podman >/dev/null 2>&1 && command -v debootstrap >/dev/null 2>&1',
    install: 'apt-get install -y podman buildah runc fuse-overlayfs slirp4netns uidmap debootstrap',
  },
  go: {
    name: 'Go',
    check: 'command -v go >/dev/null 2>&1',
    install: 'install Go 1.22 or newer (https://go.dev/doc/install)',
  },
  gcloud: {
    name: 'gcloud',
    check: 'command -v gcloud >/dev/null 2>&1',
    install: 'apt-get install -y google-cloud-cli (Google Cloud SDK apt repository)',
  },
} as const satisfies Record<string, Tool>;

export interface Tier {
  readonly name: string;
  readonly description: string;
  /** Test files whose names end with this (e.g. `.emulators.test.ts`); `.test.ts` = the rest. */
  readonly suffix: string;
  readonly tools: readonly Tool[];
  /** Start Google's Firestore emulator and fake-gcs-server once for the whole tier. */
  readonly emulators?: boolean;
}

export const TIERS: readonly Tier[] = [
  {
    name: 'unit',
    description: 'pure code, real child processes, in-process servers',
    suffix: '.test.ts',
    tools: [],
  },
  {
    name: 'emulators',
    description: "real Google clients against Google's Firestore emulator and fake-gcs-server",
    suffix: '.emulators.test.ts',
    tools: [TOOLS.gcloudFirestore, TOOLS.fakeGcs],
    emulators: true,
  },
  {
    name: 'oracle',
    description: "Knative's own validation (Go harness) and gcloud's own help",
    suffix: '.oracle.test.ts',
    tools: [TOOLS.go, TOOLS.gcloud],
  },
  {
    name: 'browser',
    description: 'the web UI in headless Chromium',
    suffix: '.browser.test.ts',
    tools: [TOOLS.chromium],
  },
  {
    name: 'container',
    description: 'Dockerfile.cloudrun built and run with podman',
    suffix: '.container.test.ts',
    tools: [TOOLS.podman, TOOLS.gcloudFirestore, TOOLS.fakeGcs],
    emulators: true,
  },
  {
    name: 'chaos',
    description: 'faults under load: kills, emulator outages, injected storage failures',
    suffix: '.chaos.test.ts',
    tools: [TOOLS.gcloudFirestore, TOOLS.fakeGcs],
    emulators: true,
  },
];

/** The tier a test file belongs to: the most specific suffix that matches. */
export function tierOf(file: string): Tier {
  const special = TIERS.filter((t) => t.suffix !== '.test.ts' && file.endsWith(t.suffix));
  return special[0] ?? TIERS[0]!;
}
