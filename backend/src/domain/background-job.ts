/** A job that runs inside a backend instance beside the HTTP API (promotion, cleanup). */
export interface BackgroundJob {
  readonly name: string;
  /** Starts the job's loop; returns at once. */
  start(): void;
  /**
   * Stops taking new work and resolves when work in hand has finished or been handed back
   * (an SQS message not finished is made visible again), or when `graceMs` has passed.
   */
  stop(graceMs: number): Promise<void>;
}
