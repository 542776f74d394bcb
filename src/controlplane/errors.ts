/** Errors of the real control plane: missing binaries, a component that does not start or dies. */
export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
}

/** A component exited (or never became ready); `component` names it. */
export class ComponentFailedError extends ControlPlaneError {
  constructor(
    readonly component: string,
    message: string,
    readonly logTail: string,
  ) {
    super(message);
  }
}
