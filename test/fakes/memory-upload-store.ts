// An in-memory UploadStore for tests: the same behaviour as the DynamoDB one (the contract suite
// in test/contracts/upload-store.contract.ts runs against both), with no I/O.
import type { UploadStatus } from '../../src/shared/backend-api.js';
import type { UploadPage, UploadPatch, UploadRecord, UploadStore } from '../../backend/src/domain/upload-store.js';
import { UploadStoreError } from '../../backend/src/domain/upload-store-error.js';

// Newest first; the id breaks ties so the order (and so the cursor) is total.
const newestFirst = (a: UploadRecord, b: UploadRecord): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export class MemoryUploadStore implements UploadStore {
  private readonly records = new Map<string, UploadRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  async create(record: UploadRecord): Promise<void> {
    if (this.records.has(record.id)) throw new UploadStoreError('ALREADY_EXISTS', `upload ${record.id} already exists`);
    this.records.set(record.id, structuredClone(record));
  }

  async get(id: string): Promise<UploadRecord | null> {
    const record = this.records.get(id);
    return record ? structuredClone(record) : null;
  }

  async listByOwner(owner: string, options: { limit: number; cursor?: string }): Promise<UploadPage> {
    const all = [...this.records.values()].filter((r) => r.owner === owner).sort(newestFirst);
    let start = 0;
    if (options.cursor !== undefined) {
      const position = decodeCursor(options.cursor, owner);
      // The first record that sorts after the cursor's position (which may have been deleted since).
      start = all.findIndex((r) => newestFirst(r, { ...r, createdAt: position.createdAt, id: position.id }) > 0);
      if (start === -1) start = all.length;
    }
    const items = all.slice(start, start + options.limit);
    const last = items.at(-1);
    const more = start + options.limit < all.length;
    return { items: items.map((r) => structuredClone(r)), nextCursor: more && last ? encodeCursor(last) : null };
  }

  async transition(id: string, from: readonly UploadStatus[], to: UploadStatus, patch: UploadPatch = {}): Promise<UploadRecord | null> {
    return this.apply(id, from, { ...patch, status: to });
  }

  async update(id: string, when: readonly UploadStatus[], patch: UploadPatch): Promise<UploadRecord | null> {
    return this.apply(id, when, patch);
  }

  /** Every record, for assertions. */
  all(): UploadRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  private apply(id: string, when: readonly UploadStatus[], changes: UploadPatch & { status?: UploadStatus }): UploadRecord | null {
    const current = this.records.get(id);
    if (!current || !when.includes(current.status)) return null;
    const next: UploadRecord = { ...current, ...structuredClone(changes), updatedAt: this.now() };
    this.records.set(id, next);
    return structuredClone(next);
  }
}

function encodeCursor(record: UploadRecord): string {
  return Buffer.from(JSON.stringify({ owner: record.owner, createdAt: record.createdAt, id: record.id }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, owner: string): { createdAt: number; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new UploadStoreError('INVALID_CURSOR', 'The cursor is not one this service handed out for your uploads.', { cause: error });
  }
  const p = parsed as { owner?: unknown; createdAt?: unknown; id?: unknown } | null;
  if (p === null || typeof p !== 'object' || p.owner !== owner || typeof p.createdAt !== 'number' || typeof p.id !== 'string') {
    throw new UploadStoreError('INVALID_CURSOR', 'The cursor is not one this service handed out for your uploads.');
  }
  return { createdAt: p.createdAt, id: p.id };
}
