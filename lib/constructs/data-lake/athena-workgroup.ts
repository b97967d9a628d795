// The Athena workgroup that queries the lake, with its enforced settings and named queries on each gold table.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ConsolidationConfig } from '../../../lambdas/core/config.js';
import { goldNamedQueries, qualityNamedQueries } from '../../../lambdas/core/consolidate/gold-queries.js';
import type { TableColumn } from '../../../lambdas/core/columnar/types.js';

export interface GoldQueryTarget {
  /** Physical database name. */
  readonly database: string;
  readonly consolidation: ConsolidationConfig;
  /** The gold table's columns (goldColumns). */
  readonly columns: TableColumn[];
}

export interface LakeWorkgroupProps {
  readonly name: string;
  readonly resultsBucket: s3.IBucket;
  readonly bytesScannedCutoffPerQuery: number;
  readonly goldTables: readonly GoldQueryTarget[];
  /**
   * The silver database holding quality_results, when a source declares expectations.
   * @default - no quality results query
   */
  readonly qualityDatabase?: string;
  /** Destroy the workgroup and its query history with the stack. */
  readonly disposable: boolean;
}

/** Key prefix of query results in the results bucket. */
export const QUERY_RESULTS_PREFIX = 'athena-results/';

export class LakeWorkgroup extends Construct {
  readonly workgroup: athena.CfnWorkGroup;
  readonly name: string;
  readonly namedQueries: athena.CfnNamedQuery[] = [];

  constructor(scope: Construct, id: string, props: LakeWorkgroupProps) {
    super(scope, id);
    this.name = props.name;
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.name,
      description: 'Queries the medallion lake; results encrypted in the query results bucket',
      state: 'ENABLED',
      recursiveDeleteOption: props.disposable,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/${QUERY_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    // A workgroup holding query history is kept with the data unless the stage is disposable.
    this.workgroup.applyRemovalPolicy(props.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);

    for (const { database, consolidation, columns } of props.goldTables) {
      for (const q of goldNamedQueries(database, consolidation, columns)) {
        const query = new athena.CfnNamedQuery(this, `${database}-${consolidation.tabela_consolidada}-${q.name}`, {
          name: `${database}.${consolidation.tabela_consolidada}: ${q.name}`,
          description: q.description,
          database,
          queryString: q.sql,
          workGroup: this.workgroup.ref,
        });
        this.namedQueries.push(query);
      }
    }
    if (props.qualityDatabase)
      for (const q of qualityNamedQueries(props.qualityDatabase))
        this.namedQueries.push(
          new athena.CfnNamedQuery(this, `${props.qualityDatabase}-${q.name}`, {
            name: `${props.qualityDatabase}.quality_results: ${q.name}`,
            description: q.description,
            database: props.qualityDatabase,
            queryString: q.sql,
            workGroup: this.workgroup.ref,
          }),
        );
  }
}
