// cdk-nag AwsSolutions acknowledgements for the data lake stack, each limited to the construct it explains.
import { Validations, type Stack } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';

export function acknowledgeDataLakeFindings(_stack: Stack, accessLogs: s3.IBucket): void {
  Validations.of(accessLogs).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the server access logs bucket that the other buckets log to; logging it into itself would loop.',
  });
}
