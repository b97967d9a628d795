import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../lambdas/core/config.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';
import { PipelineAlarms } from '../../lib/constructs/alarms.js';
import type { PipelineFunctions } from '../../lib/constructs/pipeline-state-machine.js';

function alarmsFor(invalidRowsAlarmPercent: number) {
  const config = parsePipelineConfig({ ...defaultPipelineConfig, limits: { ...defaultPipelineConfig.limits, invalidRowsAlarmPercent } });
  const stack = new Stack();
  const fn = (id: string) => lambda.Function.fromFunctionName(stack, id, id);
  const functions: PipelineFunctions = {
    plan: fn('plan'),
    ingest: fn('ingest'),
    refine: fn('refine'),
    consolidate: fn('consolidate'),
    goldTables: fn('goldTables'),
    complete: fn('complete'),
    fail: fn('fail'),
  };
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
  });
  new PipelineAlarms(stack, 'Alarms', { config, stateMachine, functions, topic: new sns.Topic(stack, 'Topic') });
  return Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
}

describe('PipelineAlarms', () => {
  it('sets the invalid-rows alarms at limits.invalidRowsAlarmPercent, and none at 0', () => {
    const sources = parsePipelineConfig(defaultPipelineConfig).sources.length;
    const at12 = alarmsFor(12.5).filter((a) => a.Metrics);
    expect(at12).toHaveLength(sources);
    expect(new Set(at12.map((a) => a.Threshold))).toEqual(new Set([12.5]));
    const off = alarmsFor(0);
    expect(off.filter((a) => a.Metrics)).toEqual([]);
    expect(off).toHaveLength(2 + 2 * 7);
  });
});
