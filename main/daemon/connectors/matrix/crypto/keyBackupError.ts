// Its own module: the API's key backup handlers map it to error codes without
// loading the Matrix connector (the registry loads that on first need).

/** Why a set-up or restore cannot go on, in words for the user; `code` for the API. */
export class KeyBackupError extends Error {
  override name = 'KeyBackupError';
  constructor(
    readonly code: 'wrong_recovery_key' | 'no_backup' | 'backup_exists' | 'bad_recovery_key',
    message: string,
  ) {
    super(message);
  }
}
