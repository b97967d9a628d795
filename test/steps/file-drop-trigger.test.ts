// The file-drop trigger step over SQS batches of EventBridge S3 events, starting through the Step Functions adapter.
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { StepFunctionsExecutionStarter } from '../../lambdas/adapters/aws/sfn-execution-starter.js';
import { fileDropTriggerStep } from '../../lambdas/steps/file-drop-trigger.js';
import { StepEventError } from '../../lambdas/steps/errors.js';

const config = parsePipelineConfig(defaultPipelineConfig);
const ARN = 'arn:aws:states:us-east-1:111111111111:stateMachine:medallion';
const sfn = mockClient(SFNClient);
afterEach(() => sfn.reset());

/** An SQS message carrying what the EventBridge rule forwards for one created object. */
const message = (key: string, time: string, i = 0) => ({
  messageId: `m-${i}`,
  body: JSON.stringify({
    version: '0',
    source: 'aws.s3',
    'detail-type': 'Object Created',
    time,
    detail: { bucket: { name: 'bronze' }, object: { key, size: 10 } },
  }),
});

const starter = () => new StepFunctionsExecutionStarter(new SFNClient({ region: 'us-east-1' }), ARN);

describe('fileDropTriggerStep', () => {
  it('starts one execution per source for a batch of many files, with the plan input and a minute name', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x`, startDate: new Date() });
    const records = Array.from({ length: 250 }, (_, i) => message(`pending/animais/f-${i}.ndjson`, '2024-01-19T10:00:42Z', i));
    const result = await fileDropTriggerStep({ Records: records }, { config, starter: starter() });
    expect(result.started).toEqual([{ name: 'filedrop-animais-20240119T1000', source: 'animais', files: 250 }]);
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      stateMachineArn: ARN,
      name: 'filedrop-animais-20240119T1000',
      input: JSON.stringify({ mode: 'hourly', sources: ['animais'] }),
    });
  });

  it('takes a name already used as a collision, not a failure, and tells messages that are no S3 event', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution already exists', $metadata: {} }));
    const result = await fileDropTriggerStep(
      { Records: [message('pending/animais/a.ndjson', '2024-01-19T10:00:00Z'), { messageId: 'junk', body: 'not json' }] },
      { config, starter: starter() },
    );
    expect(result).toEqual({
      started: [],
      existing: ['filedrop-animais-20240119T1000'],
      ignored: [{ key: 'message junk', reason: 'not an EventBridge "Object Created" event' }],
    });
  });

  it('lets any other start failure through, so SQS delivers the batch again', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(
      fileDropTriggerStep({ Records: [message('pending/animais/a.ndjson', '2024-01-19T10:00:00Z')] }, { config, starter: starter() }),
    ).rejects.toThrow('Rate exceeded');
  });

  it('rejects an event that is no SQS batch', async () => {
    await expect(fileDropTriggerStep({ detail: {} }, { config, starter: starter() })).rejects.toThrow(StepEventError);
  });
});
