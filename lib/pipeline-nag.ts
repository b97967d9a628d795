// cdk-nag AwsSolutions acknowledgements for the pipeline stack, each limited to the findings it explains.
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** An IAM5 finding (`Action::...` or `Resource::...`) we accept, and why. */
interface WildcardRule {
  readonly test: (finding: string) => boolean;
  readonly reason: string;
}

const WILDCARDS: WildcardRule[] = [
  {
    // aws-cdk-lib's bucket grants (grantRead, grantReadWrite) expand to these action groups; only the Glue job's
    // role and its script object use them (the step functions get single actions per prefix).
    test: (f) => /^Action::s3:(Abort\*|DeleteObject\*|GetBucket\*|GetObject\*|List\*|PutObject\*)$/.test(f),
    reason:
      "The action groups of aws-cdk-lib bucket grants, for the Glue job's role only: Spark's S3 file system needs the silver and gold buckets whole.",
  },
  {
    test: (f) => /^Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface\/\*$/.test(f),
    reason:
      "The network interfaces Lambda creates for a function in a VPC (lib/constructs/function-vpc.ts): their ids are Lambda's, known only once created; creation is bound to the configured subnets and security groups.",
  },
  {
    test: (f) => /^Resource::.+\/\*$/.test(f) && !f.includes('Resource::*'),
    reason:
      'Objects under a key prefix the lake layout defines (lib/constructs/step-access.ts): the keys below it depend on the data (anomesdia, run, file name).',
  },
  {
    test: (f) => /^Resource::<[^>]+\.Arn>:\*$/.test(f),
    reason: "Invoking a step function's versions and aliases (function:*), as the Step Functions Lambda integration requires.",
  },
  {
    test: (f) => /^Resource::.+\/index\/\*$/.test(f),
    reason: "The state tables' own indexes (table/index/*), granted with the table.",
  },
  {
    test: (f) => f === 'Action::kms:GenerateDataKey*' || f === 'Action::kms:ReEncrypt*',
    reason: 'Encrypting messages for the notifications topic with its own key; the key is the only resource.',
  },
  {
    test: (f) => f.startsWith('Resource::arn:<AWS::Partition>:secretsmanager:') && f.endsWith('-??????'),
    reason: 'Secrets Manager appends six random characters to a secret name in its ARN; the name itself is fixed.',
  },
];

/**
 * Acknowledges the justified IAM5 findings of every policy under `scope`. The findings name resolved
 * references (cross-stack imports), which exist only once the app is prepared, so the acknowledgement is
 * computed when cdk-nag reads it, with cdk-nag's own rule; any other wildcard is still reported.
 */
export function acknowledgeJustifiedWildcards(scope: IConstruct): void {
  for (const node of scope.node.findAll()) {
    if (!(node instanceof iam.CfnPolicy)) continue;
    const compute = (): Record<string, string> => {
      const findings = rules.iam.IAMNoWildcardPermissions(node);
      const out: Record<string, string> = {};
      if (!Array.isArray(findings)) return out;
      for (const finding of findings as string[]) {
        const rule =
          WILDCARDS.find((w) => w.test(finding)) ?? (finding === 'Resource::*' && onlyResourcelessActionsOnStar(node) ? XRAY : undefined);
        if (rule) out[`AwsSolutions-IAM5[${finding}]`] = rule.reason;
      }
      return out;
    };
    node.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, lazyRecord(compute));
  }
}

const XRAY: WildcardRule = {
  test: () => true,
  reason:
    'X-Ray trace writes, Step Functions log delivery set-up (logs:*LogDelivery*, resource policies) and the EC2 Describe calls of a function in a VPC accept no resource but "*".',
};

/** Actions that IAM defines without resource-level permissions. */
const RESOURCELESS =
  /^(xray:|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$|ec2:(DescribeNetworkInterfaces|DescribeSubnets)$)/;

function onlyResourcelessActionsOnStar(policy: iam.CfnPolicy): boolean {
  const doc = Stack.of(policy).resolve(policy.policyDocument) as { Statement?: { Action: string | string[]; Resource: unknown }[] };
  return (doc.Statement ?? [])
    .filter((s) => [s.Resource].flat().includes('*'))
    .every((s) => [s.Action].flat().every((a) => RESOURCELESS.test(a)));
}

/** An object whose keys are computed each time they are read. */
function lazyRecord(compute: () => Record<string, string>): Record<string, string> {
  return new Proxy({} as Record<string, string>, {
    ownKeys: () => Reflect.ownKeys(compute()),
    getOwnPropertyDescriptor: (_t, key) => {
      const value = compute()[key as string];
      return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
    },
    get: (_t, key) => compute()[key as string],
    has: (_t, key) => key in compute(),
  });
}

/** The remaining, non-IAM5 acknowledgements of the pipeline's functions. */
export function acknowledgeFunctionFindings(fns: lambda.IFunction[]): void {
  for (const fn of fns) {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime this product targets and tests; it is a supported Lambda runtime.',
    });
  }
}

/** A dead-letter queue (of the schedules, of the file-drop events) is itself the last stop of an undelivered event. */
export function acknowledgeDeadLetterQueue(queue: sqs.IQueue): void {
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is a dead-letter queue (of EventBridge targets, or of the file-drop queue); an alarm watches it, and a dead-letter queue takes none of its own.',
  });
}
