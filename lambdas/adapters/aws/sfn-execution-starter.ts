// ExecutionStarter over Step Functions' StartExecution: a name already taken is a collision, reported as `exists`.
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionStarter } from '../../ports/execution-starter.js';

export class StepFunctionsExecutionStarter implements ExecutionStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: unknown): Promise<'started' | 'exists'> {
    try {
      // A running execution of the same name and input comes back as started (StartExecution is idempotent then).
      await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
      return 'started';
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists) return 'exists';
      throw err;
    }
  }
}
