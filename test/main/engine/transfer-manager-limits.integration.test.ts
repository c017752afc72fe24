// TransferManager.add at S3's size limits, with real sparse files (tmpfs) and a real SQLite
// journal: a file above 48.8 TiB is refused with a typed DocksideError and nothing is journaled;
// a file of exactly 48.8 TiB is journaled as 10,000 parts of 5 GiB. add() talks to no store.
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import { PartPlanError } from '../../../src/shared/part-planner.js';
import { makeEngine, target, tempDir, type Harness } from '../../support/engine-harness.js';
import { S3_MAX_OBJECT_BYTES as MAX, sparseDir, type SparseDir } from '../../support/sparse-file.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** No server listens here: add() must not need one. */
const NOWHERE = 'http://127.0.0.1:9';

let sparse: SparseDir;
let home: string;
let engine: Harness;

beforeAll(() => {
  sparse = sparseDir('manager-limits');
});
afterAll(() => sparse?.remove());

afterEach(async () => {
  await engine?.close();
  rmSync(home, { recursive: true, force: true });
});

function freshEngine(): Harness {
  home = tempDir('dockside-limits-');
  engine = makeEngine(home);
  return engine;
}

async function addError(request: Parameters<Harness['manager']['add']>[0]): Promise<unknown> {
  try {
    await engine.manager.add(request);
  } catch (error) {
    return error;
  }
  throw new Error('expected add() to throw');
}

describe('TransferManager.add at the size limits', () => {
  it('refuses a file of 48.8 TiB + 1 byte with a typed FILE_TOO_LARGE DocksideError, journaling nothing', async () => {
    freshEngine();
    const path = sparse.file('too-big.bin', MAX + 1);
    const error = await addError({ filePath: path, target: target(NOWHERE, 'dock', 'too-big.bin') });

    expect(error).toBeInstanceOf(DocksideError);
    expect(error).toBeInstanceOf(PartPlanError);
    const typed = error as DocksideError;
    expect(typed.toInfo()).toEqual({
      code: 'FILE_TOO_LARGE',
      retryable: false,
      message: `The file is ${MAX + 1} bytes (48.8 TiB); an S3 object can be at most ${MAX} bytes (48.8 TiB). Split the file before uploading it.`,
    });
    expect(engine.journal.listTransfers()).toEqual([]);
  });

  it('refuses a part size the planner does not allow as INVALID_INPUT (a caller that skipped the CLI check)', async () => {
    freshEngine();
    const path = sparse.file('small.bin', GiB);
    const error = await addError({ filePath: path, target: target(NOWHERE, 'dock', 'small.bin'), partSize: 4 * MiB });

    expect(error).toBeInstanceOf(DocksideError);
    expect((error as DocksideError).code).toBe('INVALID_INPUT');
    expect(engine.journal.listTransfers()).toEqual([]);
  });

  it('journals a file of exactly 48.8 TiB as 10,000 parts of 5 GiB, even when smaller parts were asked for', async () => {
    freshEngine();
    const path = sparse.file('max.bin', MAX);
    const record = await engine.manager.add({ filePath: path, target: target(NOWHERE, 'dock', 'max.bin'), partSize: 16 * MiB });

    expect(record).toMatchObject({ fileSize: MAX, partSize: 5 * GiB, partCount: 10_000, state: 'queued' });
    expect(engine.journal.listTransfers().map((t) => t.id)).toEqual([record.id]);
  });
});
