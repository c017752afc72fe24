/** The port to the loading-dock bucket, as the API needs it (the jobs have their own adapters). */
export interface Dock {
  /** True when a finished object exists at `key` (the client completed its multipart upload). */
  objectExists(key: string): Promise<boolean>;
  /** Aborts every multipart upload in progress for exactly `key`; returns how many it aborted. */
  abortMultipartUploads(key: string): Promise<number>;
  /** Deletes the object at `key`; no error when there is none. */
  deleteObject(key: string): Promise<void>;
}
