/**
 * One Firestore read through our adapter with a long deadline, so the first test's call does not
 * pay the client's start-up (google-gax load, first gRPC connection) against the production 5 s
 * deadline. The emulator's own JVM warm-up is paid once in ./emulators.ts.
 */
import { FirestoreDocumentStore } from '../../server/storage/index.ts';

/** Deadline for emulator calls in tests: a loaded 2-core machine must not turn into 503s. */
export const SLOW_MACHINE_MS = 60_000;

export async function warmFirestoreClient(firestoreHost: string): Promise<void> {
  const warm = new FirestoreDocumentStore({
    projectId: 'warm-up',
    emulatorHost: firestoreHost,
    timeoutMs: SLOW_MACHINE_MS,
  });
  await warm.get('warm', 'up');
  await warm.close();
}
