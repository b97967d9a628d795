// The ExecutionStarter port: starts a pipeline execution under a name (Step Functions in AWS, the local runner locally).

export interface ExecutionStarter {
  /**
   * Starts an execution named `name` with `input`. `exists` when an execution of that name already ran or runs:
   * a repeated start that collides, not a failure.
   */
  start(name: string, input: unknown): Promise<'started' | 'exists'>;
}
