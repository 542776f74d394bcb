/** A compare-and-set lost: someone else changed the operation first. Re-read and try again. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** D6: the application already has a running operation. */
export class OperationRunningError extends Error {
  override readonly name = 'OperationRunningError';
  constructor(
    readonly app: string,
    readonly runningOperationId: string,
  ) {
    super(`application ${app} already has a running operation: ${runningOperationId}`);
  }
}
