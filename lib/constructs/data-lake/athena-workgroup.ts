// The Athena workgroup that queries the lake, with its enforced settings and named queries on each gold table.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { ConsolidationConfig } from '../../../lambdas/core/config.js';
import { PARTITION_COLUMN } from '../../../lambdas/core/config.js';

export interface GoldQueryTarget {
  /** Physical database name. */
  database: string;
  consolidation: ConsolidationConfig;
}

export interface LakeWorkgroupProps {
  name: string;
  resultsBucket: s3.IBucket;
  bytesScannedCutoffPerQuery: number;
  goldTables: GoldQueryTarget[];
  disposable: boolean;
}

/** Key prefix of query results in the results bucket. */
export const QUERY_RESULTS_PREFIX = 'athena-results/';

/** The named queries offered for a gold table: name suffix, description and SQL. */
export function goldNamedQueries(database: string, c: ConsolidationConfig): { name: string; description: string; sql: string }[] {
  const table = `"${database}"."${c.tabela_consolidada}"`;
  const keys = c.chaves_principais.map((k) => `"${k}"`).join(', ');
  const latest = `(SELECT max(${PARTITION_COLUMN}) FROM ${table})`;
  return [
    {
      name: 'latest-partition-sample',
      description: `100 rows of the latest ${PARTITION_COLUMN} partition of ${database}.${c.tabela_consolidada}`,
      sql: `SELECT * FROM ${table} WHERE ${PARTITION_COLUMN} = ${latest} LIMIT 100;`,
    },
    {
      name: 'rows-per-partition',
      description: `Row count per ${PARTITION_COLUMN} of ${database}.${c.tabela_consolidada}`,
      sql: `SELECT ${PARTITION_COLUMN}, count(*) AS row_count FROM ${table} GROUP BY ${PARTITION_COLUMN} ORDER BY ${PARTITION_COLUMN} DESC;`,
    },
    {
      name: 'duplicate-keys',
      description: `Keys (${c.chaves_principais.join(', ')}) present more than once in a partition; a correct consolidation returns no row`,
      sql: `SELECT ${PARTITION_COLUMN}, ${keys}, count(*) AS copies FROM ${table} GROUP BY ${PARTITION_COLUMN}, ${keys} HAVING count(*) > 1 ORDER BY copies DESC LIMIT 100;`,
    },
  ];
}

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

    for (const { database, consolidation } of props.goldTables) {
      for (const q of goldNamedQueries(database, consolidation)) {
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
  }
}
