// The DynamoDB state of the pipeline: journey control, congregado records, per-source watermarks and partition versions.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { physicalName, type PipelineConfig } from '../../../lambdas/core/config.js';
import { STATE_KEYS } from '../../../lambdas/ports/state-stores.js';

export interface StateTablesProps {
  readonly config: PipelineConfig;
}

/**
 * On-demand tables with point-in-time recovery and AWS-managed encryption, RETAINed and protected from deletion
 * unless disposable.
 */
export class StateTables extends Construct {
  readonly journey: dynamodb.Table;
  readonly congregado: dynamodb.Table;
  readonly watermark: dynamodb.Table;
  /** Which version of each silver and gold partition is published (lambdas/core/lake/publication.ts). */
  readonly partitions: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTablesProps) {
    super(scope, id);
    const { config } = props;
    const names = config.storage.tables;
    const table = (logicalId: string, name: string, key: string, extra: Partial<dynamodb.TableProps> = {}) =>
      new dynamodb.Table(this, logicalId, {
        tableName: physicalName(config, name),
        partitionKey: { name: key, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // AWS-owned keys would not show in the account; AWS-managed keys are auditable in CloudTrail at no key cost.
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy: config.storage.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
        // Retaining a table keeps it when the stack goes; deletion protection also refuses a DeleteTable by hand or
        // by a replacement, which would lose the journeys, watermarks and congregados.
        deletionProtection: !config.storage.disposable,
        ...extra,
      });
    this.journey = table('Journey', names.journey, STATE_KEYS.journey, { timeToLiveAttribute: STATE_KEYS.journeyTtl });
    this.congregado = table('Congregado', names.congregado, STATE_KEYS.congregado);
    this.congregado.addGlobalSecondaryIndex({
      indexName: STATE_KEYS.congregadoIndex,
      partitionKey: { name: STATE_KEYS.congregadoIndex, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.watermark = table('Watermark', names.watermark, STATE_KEYS.watermark);
    this.partitions = table('Partitions', names.partitions, STATE_KEYS.partitions);
  }
}
