// IAM grants on parts of buckets and tables: object actions under key prefixes, listing limited to those
// prefixes with s3:prefix, and DynamoDB item actions by table.
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { ItemAction, ObjectAccess, PrefixAccess } from './step-access.js';

const OBJECT_ACTIONS: Record<ObjectAccess, string> = { read: 's3:GetObject', write: 's3:PutObject', delete: 's3:DeleteObject' };

/**
 * Grants each prefix's object actions (one statement per set of actions) and ListBucket limited to the prefixes
 * that are read or deleted: a step lists only where it reads or removes, and S3 answers a missing key with 404
 * rather than 403 only to a caller that may list it.
 */
export function grantPrefixes(grantee: iam.IGrantable, bucket: s3.IBucket, grants: readonly PrefixAccess[]): void {
  const byActions = new Map<string, string[]>();
  for (const g of grants) {
    const actions = (['read', 'write', 'delete'] as const).filter((a) => g.access.includes(a)).map((a) => OBJECT_ACTIONS[a]);
    const key = actions.join(',');
    byActions.set(key, [...(byActions.get(key) ?? []), bucket.arnForObjects(`${g.prefix}*`)]);
  }
  for (const [actions, resourceArns] of byActions) iam.Grant.addToPrincipal({ grantee, actions: actions.split(','), resourceArns });
  const listed = grants.filter((g) => g.access.includes('read') || g.access.includes('delete')).map((g) => `${g.prefix}*`);
  if (listed.length > 0)
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': listed } },
    });
}

/** Exactly these item actions on the table itself (no index, no scan, no batch). */
export function grantItemActions(grantee: iam.IGrantable, table: dynamodb.ITable, actions: readonly ItemAction[]): void {
  if (actions.length === 0) return;
  iam.Grant.addToPrincipal({ grantee, actions: actions.map((a) => `dynamodb:${a}`), resourceArns: [table.tableArn] });
}
