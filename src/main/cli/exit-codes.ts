/** The `dockside` command's exit codes (documented in the README and `dockside --help`). */
export const EXIT = Object.freeze({
  /** Every object is complete. */
  OK: 0,
  /** A transfer failed permanently (or a command could not do its work); the message says why. */
  FAILED: 1,
  /** Bad input: unknown flag, missing file, a size that is not a size. Nothing was changed. */
  USAGE: 2,
  /**
   * The backend ended an upload (cancelled on the server, or its file rejected there) and nothing
   * else failed: that transfer is cancelled, nothing resumes it; upload the file again to send it.
   */
  SERVER_CANCELLED: 3,
  /** Interrupted (Ctrl-C, SIGTERM) or paused: the journal is consistent; `dockside resume` continues. */
  INTERRUPTED: 75,
  /** The machine-wide policy or the user's settings file is not valid (EX_CONFIG): nothing was changed. */
  CONFIG: 78,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `
Exit codes:
  0   every object is complete
  1   a transfer failed permanently, or the command could not do its work (see the message)
  2   bad input (unknown option, missing file, invalid size); nothing was changed
  3   the backend cancelled an upload (or rejected its file): the transfer is cancelled; upload the file again to send it
  75  interrupted or paused (Ctrl-C, SIGTERM); run \`dockside resume\` to continue
  78  the machine-wide policy or your settings file is not valid (\`dockside config show\` says why); nothing was changed`;
