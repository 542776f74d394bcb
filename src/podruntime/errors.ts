/** Errors of the pod runtime's configuration (image mappings). */
export class PodRuntimeConfigError extends Error {
  override readonly name = 'PodRuntimeConfigError';
}
