// The zod schema of the pipeline config: read by the CDK app (bin/, lib/) and by the Lambdas.
// It imports nothing of the CDK or the AWS SDK so that Lambda bundles stay small.
import { z } from 'zod';
import { PermanentError } from './errors.js';
import { parseTimestampText, TIMESTAMP_FORMATS } from './instant.js';
import { FIELD_PATH_PATTERN } from './refine/record-path.js';

/**
 * The largest execution the state machine carries within Step Functions' 256 KB a state: these many sources
 * and consolidations, and sources x maxBackfillDays source-days (test/reliability/limits.test.ts plans it).
 */
export const MAX_SOURCES = 40;
export const MAX_CONSOLIDATIONS = 20;
export const MAX_SOURCE_DAYS = 10_000;

/** Cross-field checks run even when another part is malformed, so one run lists every error. */
const ALWAYS = { when: () => true };

const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, 'use lower case letters, digits and underscores, starting with a letter');

/** Column types a source schema may declare; each maps to one Parquet, Glue and SQL type. */
export const FIELD_TYPES = ['string', 'integer', 'long', 'double', 'decimal', 'boolean', 'date', 'timestamp', 'json'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A field's `path` into a nested record: dot-separated keys, each with optional `[index]` (refine/record-path.ts). */
const fieldPath = z.string().regex(FIELD_PATH_PATTERN, 'use dot-separated keys with optional [index], such as customer.id or items[0].sku');

export const FieldSchema = z
  .object({
    name: identifier,
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    /** decimal only */
    precision: z.number().int().min(1).max(38).optional(),
    /** decimal only */
    scale: z.number().int().min(0).max(38).optional(),
    /** timestamp only: how a number is read (without it a numeric timestamp is invalid). */
    format: z.enum(TIMESTAMP_FORMATS).optional(),
    description: z.string().optional(),
    /** Where the value is in a nested record (`customer.id`, `items[0].sku`); absent, the key `name`. The column is `name`. */
    path: fieldPath.optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.type === 'decimal') {
      if (f.precision === undefined)
        ctx.addIssue({ code: 'custom', path: ['precision'], message: 'a decimal field needs a precision (1-38)' });
      if (f.scale !== undefined && f.precision !== undefined && f.scale > f.precision)
        ctx.addIssue({ code: 'custom', path: ['scale'], message: `scale ${f.scale} exceeds precision ${f.precision}` });
    } else if (f.precision !== undefined || f.scale !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['precision'], message: `precision and scale apply only to decimal fields, not ${f.type}` });
    }
    if (f.format !== undefined && f.type !== 'timestamp')
      ctx.addIssue({ code: 'custom', path: ['format'], message: `format applies only to timestamp fields, not ${f.type}` });
  });
export type FieldConfig = z.infer<typeof FieldSchema>;

/** One pagination style: its options in a strict object tagged by `style` (an unknown option is an error, not ignored). */
const paginationStyle = <S extends string, T extends z.ZodRawShape>(style: S, shape: T) =>
  z.object({ style: z.literal(style), ...shape }).strict();

export const PaginationSchema = z.discriminatedUnion('style', [
  paginationStyle('page', {
    pageParam: z.string().default('page'),
    pageSizeParam: z.string().default('page_size'),
    pageSize: z.number().int().positive().default(500),
    firstPage: z.number().int().min(0).default(1),
    /** JSON path (dot separated) of the total page count in a response, when the API gives one. */
    totalPagesPath: z.string().optional(),
  }),
  paginationStyle('offset', {
    offsetParam: z.string().default('offset'),
    limitParam: z.string().default('limit'),
    limit: z.number().int().positive().default(500),
    totalPath: z.string().optional(),
  }),
  paginationStyle('cursor', {
    cursorParam: z.string().default('cursor'),
    /** JSON path of the next cursor in a response; absent, null or empty ends the pagination. */
    nextCursorPath: z.string().default('next_cursor'),
    pageSizeParam: z.string().default('limit'),
    pageSize: z.number().int().positive().default(500),
  }),
  paginationStyle('link', {
    /** JSON path of the next page's URL in a response (absolute or relative to the endpoint). */
    nextLinkPath: z.string().default('links.next'),
  }),
]);
export type PaginationConfig = z.infer<typeof PaginationSchema>;

/** Hosts that never leave the machine: tests and the local demo serve their APIs there over http://. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

// ---- HTTP source extras, tags and VPC (issue 12, items 6 and 7) ----

/** A static header value, or one read from a secret (Secrets Manager in AWS, an environment variable locally) as the token is. */
export const HeaderValueSchema = z.union([z.string(), z.object({ secretName: z.string().min(1), prefix: z.string().optional() }).strict()]);
/** How window bounds are written into the query: ISO instants, business dates (YYYY-MM-DD), or epoch seconds or milliseconds. */
export const WINDOW_FORMATS = ['iso', 'date', 'epochSeconds', 'epochMillis'] as const;
export type WindowFormat = (typeof WINDOW_FORMATS)[number];
/** AWS tag keys and values: at most 128 and 256 characters, and not in the `aws:` namespace AWS keeps for itself. */
export const TagsSchema = z.record(
  z
    .string()
    .min(1)
    .max(128)
    .refine((k) => !k.toLowerCase().startsWith('aws:'), 'tag keys starting with aws: are reserved by AWS'),
  z.string().max(256),
);
/** Subnets and security groups, by id, of the functions that reach the sources (private APIs); looked up offline at synth. */
export const VpcSchema = z
  .object({
    subnetIds: z.array(z.string().regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, 'use a subnet id: subnet- and 8 or 17 hex digits')).min(1),
    securityGroupIds: z
      .array(z.string().regex(/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/, 'use a security group id: sg- and 8 or 17 hex digits'))
      .min(1),
  })
  .strict();
export type VpcConfig = z.infer<typeof VpcSchema>;

/** Every secret an HTTP source reads: its token and the headers that name a secret. */
export function sourceSecretNames(http: Pick<HttpSourceConfig, 'authSecretName' | 'headers'> | undefined): string[] {
  if (!http) return [];
  const fromHeaders = Object.values(http.headers ?? {}).flatMap((v) => (typeof v === 'string' ? [] : [v.secretName]));
  return [...(http.authSecretName ? [http.authSecretName] : []), ...fromHeaders];
}

export const HttpSourceSchema = z
  .object({
    endpoint: z.string().url(),
    pagination: PaginationSchema,
    /** JSON path of the records array in a page; '' means the page itself is the array. */
    recordsPath: z.string().default('data'),
    /** Secrets Manager secret name (AWS) or environment variable name (local) holding the token. */
    authSecretName: z.string().optional(),
    authHeader: z.string().default('Authorization'),
    authScheme: z.string().default('Bearer'),
    /** Query parameters that carry the window bounds (ISO-8601 instants). */
    windowParams: z
      .object({ from: z.string().default('updated_since'), to: z.string().default('updated_until') })
      .strict()
      .default({ from: 'updated_since', to: 'updated_until' }),
    timeoutMs: z.number().int().positive().optional(),
    maxPages: z.number().int().positive().optional(),
    pagesInFlight: z.number().int().positive().optional(),
    /** Static query parameters sent with every page request. */
    query: z.record(z.string().min(1), z.string()).default({}),
    /** Static headers sent with every request; a value may name a secret ({"secretName": ..., "prefix": ...}). */
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid HTTP header name'), HeaderValueSchema).default({}),
    /** How windowParams carry the window: iso (default), date (business days, both inclusive), epochSeconds, epochMillis. */
    windowFormat: z.enum(WINDOW_FORMATS).default('iso'),
  })
  .strict()
  .superRefine((h, ctx) => {
    // A token sent over plain HTTP can be read on the way; only this machine's own loopback is spared.
    const url = URL.canParse(h.endpoint) ? new URL(h.endpoint) : undefined;
    if (sourceSecretNames(h).length > 0 && url?.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      const sender = h.authSecretName !== undefined ? 'authSecretName sends a token' : 'a header read from a secret sends it';
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: `${h.endpoint} is plain http:// but ${sender} with every request, readable on the way; use https:// (http:// is taken only for 127.0.0.1 and localhost)`,
      });
    }
    // A static parameter the pipeline also sets would be silently overwritten on every page.
    const p = h.pagination as Record<string, unknown> | undefined;
    const owned = [
      h.windowParams?.from,
      h.windowParams?.to,
      ...['pageParam', 'pageSizeParam', 'offsetParam', 'limitParam', 'cursorParam'].map((k) => p?.[k]),
    ];
    for (const name of Object.keys(h.query ?? {}))
      if (owned.includes(name))
        ctx.addIssue({
          code: 'custom',
          path: ['query', name],
          message: `"${name}" is also a window or pagination parameter, which the pipeline sets on every page; rename it or drop it from query`,
        });
  }, ALWAYS);
export type HttpSourceConfig = z.infer<typeof HttpSourceSchema>;

export const FilesSourceSchema = z
  .object({
    format: z.enum(['json', 'ndjson']).default('ndjson'),
  })
  .strict();

// ---- data-quality expectations on silver (issue 13, item 5): lambdas/core/quality/expectations.ts ----
/** What a failed expectation does: warn (log and count), drop (its failing rows go to quarantine), fail (nothing published). */
export const EXPECTATION_ACTIONS = ['warn', 'drop', 'fail'] as const;
/** The rules an expectation may name, one each; the first five judge each row, the last two the whole partition. */
export const EXPECTATION_RULES = ['not_null', 'unique', 'accepted_values', 'range', 'regex', 'row_count', 'freshness'] as const;
const ROW_RULES: readonly string[] = EXPECTATION_RULES.slice(0, 5);
/** Expectations a source may declare: their results travel in the Refine step's summary (Step Functions' 256 KB). */
export const MAX_EXPECTATIONS = 20;
const bound = z.union([z.number(), z.string().min(1)]);
export const ExpectationSchema = z
  .object({
    name: identifier.max(40, 'at most 40 characters: the name is a metric dimension and travels in step summaries'),
    action: z.enum(EXPECTATION_ACTIONS).default('warn'),
    description: z.string().optional(),
    not_null: identifier.optional(),
    /** Within the partition being published; a row with a null in these fields is not compared (as SQL's UNIQUE). */
    unique: z.array(identifier).min(1).optional(),
    accepted_values: z
      .object({ field: identifier, values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1) })
      .strict()
      .optional(),
    /** Both ends inclusive: numbers (decimals as text or numbers), dates and timestamps as ISO text. */
    range: z
      .object({ field: identifier, min: bound.optional(), max: bound.optional() })
      .strict()
      .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both')
      .optional(),
    /** A JavaScript regular expression a string value must match (somewhere: anchor it with ^...$ for the whole value). */
    regex: z
      .object({ field: identifier, pattern: z.string().min(1) })
      .strict()
      .superRefine((r, ctx) => {
        try {
          new RegExp(r.pattern);
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid regular expression: ${(err as Error).message}` });
        }
      })
      .optional(),
    /** The partition's rows within min..max, or within ±previous_day_pct % of the same table's previous day's published partition. */
    row_count: z
      .union([
        z.object({ previous_day_pct: z.number().positive() }).strict(),
        z
          .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
          .strict()
          .refine((r) => r.min !== undefined || r.max !== undefined, 'give min, max or both, or previous_day_pct'),
      ])
      .optional(),
    /** The newest value of a timestamp or date field no older than max_age_hours, at the run's clock. */
    freshness: z.object({ field: identifier, max_age_hours: z.number().positive() }).strict().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const rules = EXPECTATION_RULES.filter((r) => e[r] !== undefined);
    if (rules.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `expectation "${e.name}" needs exactly one rule (${EXPECTATION_RULES.join(', ')}), ${rules.length === 0 ? 'it has none' : `it has ${rules.join(', ')}`}`,
      });
    else if (e.action === 'drop' && !ROW_RULES.includes(rules[0]!))
      ctx.addIssue({
        code: 'custom',
        path: ['action'],
        message: `${rules[0]} judges the whole partition, not a row, so it cannot drop rows: use warn or fail`,
      });
  });
export type ExpectationConfig = z.output<typeof ExpectationSchema>;

/**
 * What is wrong in a table's expectations: unknown fields, types a rule does not fit, names used twice. `owner`
 * names the table in messages: `source "sor"`, or `gold table db_batch.tbl_x`.
 */
function expectationIssues(
  owner: string,
  fields: readonly FieldConfig[],
  expectations: ExpectationConfig[] | undefined,
): { input: unknown; path: (string | number)[]; message: string }[] {
  const issues: { input: unknown; path: (string | number)[]; message: string }[] = [];
  if (!Array.isArray(expectations)) return issues;
  const types = new Map(fields.map((f) => [f.name, f.type]));
  const fits: Record<string, readonly FieldType[]> = {
    range: ['integer', 'long', 'double', 'decimal', 'date', 'timestamp'],
    regex: ['string'],
    accepted_values: ['string', 'integer', 'long', 'decimal', 'boolean', 'date'],
    freshness: ['timestamp', 'date'],
  };
  const check = (i: number, path: (string | number)[], rule: string, field: string) => {
    const type = types.get(field);
    if (type === undefined)
      issues.push({
        input: field,
        path: ['expectations', i, ...path],
        message: `"${field}" is not a field of ${owner}`,
      });
    else if (fits[rule] && !fits[rule].includes(type))
      issues.push({
        input: field,
        path: ['expectations', i, ...path],
        message: `${rule} applies to ${fits[rule].join(', ')} fields; "${field}" is ${type}`,
      });
  };
  expectations.forEach((e, i) => {
    if (expectations.findIndex((o) => o.name === e.name) !== i)
      issues.push({
        input: e.name,
        path: ['expectations', i, 'name'],
        message: `expectation "${e.name}" is declared twice`,
      });
    if (e.not_null !== undefined) check(i, ['not_null'], 'not_null', e.not_null);
    e.unique?.forEach((f, n) => check(i, ['unique', n], 'unique', f));
    for (const rule of ['accepted_values', 'range', 'regex', 'freshness'] as const) {
      const field = e[rule]?.field;
      if (field !== undefined) check(i, [rule, 'field'], rule, field);
    }
    // A bound's form by its field's type; whether it fits the field exactly (a decimal's scale) is checked when refine compiles it.
    const rangeType = e.range && types.get(e.range.field);
    for (const end of ['min', 'max'] as const) {
      const v = e.range?.[end];
      if (v === undefined || rangeType === undefined) continue;
      const temporal = rangeType === 'date' || rangeType === 'timestamp';
      const ok = temporal ? typeof v === 'string' && !Number.isNaN(Date.parse(v)) : typeof v === 'number' || Number.isFinite(Number(v));
      if (!ok)
        issues.push({
          input: v,
          path: ['expectations', i, 'range', end],
          message: temporal
            ? `use ISO text (2024-03-14 or 2024-03-14T10:00:00Z) for a ${rangeType} range`
            : `${JSON.stringify(v)} is not a number`,
        });
    }
  });
  return issues;
}

export const SourceSchema = z
  .object({
    name: identifier,
    description: z.string().optional(),
    kind: z.enum(['http', 'files']),
    /** false: the source keeps its tables but schedules, file drops and plans skip it (naming it as skipped). */
    enabled: z.boolean().default(true),
    http: HttpSourceSchema.optional(),
    files: FilesSourceSchema.optional(),
    fields: z.array(FieldSchema).min(1),
    /** Field whose value orders records in time; windows and watermarks are on this field. */
    watermarkField: identifier,
    /** Field from which a record's `anomesdia` partition is derived; defaults to watermarkField. */
    partitionField: identifier.optional(),
    // ---- schema drift (issue 12, item 4): lambdas/core/refine/drift.ts ----
    /** Records with undeclared top-level keys or absent declared fields: ignore (processing log only), warn [default] (log line and metric), fail (refine fails, nothing published). */
    onDrift: z.enum(['ignore', 'warn', 'fail']).optional(),
    /** true: a record's undeclared top-level keys are kept in silver as one `_extra` JSON text column (sorted keys; null when none) [false]. */
    keepExtra: z.boolean().optional(),
    /** Data-quality expectations on the source's silver partitions, checked by refine before it publishes one. */
    expectations: z.array(ExpectationSchema).max(MAX_EXPECTATIONS, `at most ${MAX_EXPECTATIONS} expectations a source`).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.kind === 'http' && !s.http)
      ctx.addIssue({ code: 'custom', path: ['http'], message: 'an http source needs an http block (endpoint, pagination)' });
    if (s.kind === 'files' && s.http) ctx.addIssue({ code: 'custom', path: ['http'], message: 'a files source takes no http block' });
    if (!Array.isArray(s.fields)) return;
    if (s.name === 'quality_results')
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'quality_results names the silver table of expectation results: rename the source',
      });
    expectationIssues(`source "${s.name}"`, s.fields, s.expectations).forEach((issue) => ctx.addIssue({ code: 'custom', ...issue }));
    const names = new Set<string>();
    s.fields.forEach((f, i) => {
      if (names.has(f.name)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'name'], message: `field "${f.name}" is declared twice` });
      names.add(f.name);
    });
    for (const key of ['watermarkField', 'partitionField'] as const) {
      const name = s[key];
      if (name === undefined) continue;
      const field = s.fields.find((f) => f.name === name);
      if (!field) ctx.addIssue({ code: 'custom', path: [key], message: `"${name}" is not a field of source "${s.name}"` });
      // Ingestion reads these by name, before any field is coerced (ingest/watermark.ts, ingest-source.ts).
      else if (field.path !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `"${name}" has a path (${field.path}); the ${key} is read by name at ingestion: use a top-level field`,
        });
      else if (field.type !== 'timestamp' && field.type !== 'date' && FIELD_TYPES.includes(field.type))
        ctx.addIssue({ code: 'custom', path: [key], message: `"${name}" must be a timestamp or date field, not ${field.type}` });
    }
  }, ALWAYS);
export type SourceConfig = z.infer<typeof SourceSchema>;

export const DecisionFieldSchema = z.union([
  identifier.transform((campo) => ({ campo, direcao: 'desc' as const })),
  z.object({ campo: identifier, direcao: z.enum(['desc', 'asc']).default('desc') }).strict(),
]);
export type DecisionField = { campo: string; direcao: 'desc' | 'asc' };

// Gold for analysts: the current state and history of each key, deletes from change data, daily aggregates.
const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const AGGREGATE_FUNCTIONS = ['count', 'count_distinct', 'sum', 'min', 'max', 'avg'] as const;
export const FILTER_OPERATORS = ['=', '!=', '<', '<=', '>', '>=', 'in', 'not_in', 'is_null', 'is_not_null'] as const;
export const AggregateSchema = z
  .object({
    /** The aggregate's gold table, in the consolidation's database, partitioned by anomesdia. */
    table: identifier,
    /** Group-by columns of the gold table; none gives one row per day. */
    groupBy: z.array(identifier).default([]),
    measures: z
      .array(
        z
          .object({
            name: identifier,
            fn: z.enum(AGGREGATE_FUNCTIONS),
            /** The gold column measured; `count` without one counts rows. */
            field: identifier.optional(),
          })
          .strict()
          .refine((m) => m.fn === 'count' || m.field !== undefined, { message: 'name the measured field', path: ['field'] }),
      )
      .min(1),
    /** Rows kept before grouping: every condition must hold. */
    filter: z
      .array(z.object({ field: identifier, op: z.enum(FILTER_OPERATORS), value: z.union([scalar, z.array(scalar)]).optional() }).strict())
      .default([]),
  })
  .strict();
export type AggregateConfig = z.output<typeof AggregateSchema>;

const GoldStateTableSchema = z.object({ table: identifier.optional() }).strict();

export const ConsolidationSchema = z
  .object({
    database: identifier,
    tabela_consolidada: identifier,
    /** Silver tables (source names) consolidated together, in priority order for full ties. */
    origens: z.array(identifier).min(1),
    chaves_principais: z.array(identifier).min(1),
    /** Ordered decision fields: for each key the row with the greatest tuple wins. */
    campos_decisao: z.array(DecisionFieldSchema).min(1),
    /** Write only to this path (s3://bucket/prefix/) and leave the catalog alone. */
    output_path: z
      .string()
      .regex(/^s3:\/\/[^/]+\/.*$/, 'use s3://bucket/prefix/')
      .optional(),
    /** Where the consolidation runs; auto switches to Glue above the thresholds. */
    engine: z.enum(['lambda', 'glue', 'auto']).default('auto'),
    glueThreshold: z
      .object({
        rows: z.number().int().positive().default(5_000_000),
        bytes: z
          .number()
          .int()
          .positive()
          .default(2 * 1024 ** 3),
      })
      .strict()
      .default({ rows: 5_000_000, bytes: 2 * 1024 ** 3 }),
    /** Keep each key's current state in its own table (Iceberg kept by Athena MERGE in AWS; DuckDB locally) [<tabela>_current]. */
    currentState: GoldStateTableSchema.optional(),
    /** Keep each key's versions as SCD type 2 history (valid_from, valid_to, is_current) [<tabela>_history]. */
    history: GoldStateTableSchema.optional(),
    /** Change data: a key whose winning row holds one of `values` in `field` is deleted from the current state and closed in history. */
    deleteMarker: z
      .object({ field: identifier, values: z.array(scalar).min(1) })
      .strict()
      .optional(),
    /** Tables computed from each gold partition: group-by columns and measures, per anomesdia. */
    aggregates: z.array(AggregateSchema).default([]),
    /** Data-quality expectations on each gold partition (fields: the gold table's columns), checked before it is published. */
    expectations: z.array(ExpectationSchema).max(MAX_EXPECTATIONS, `at most ${MAX_EXPECTATIONS} expectations a consolidation`).default([]),
  })
  .strict();
export type ConsolidationConfig = z.infer<typeof ConsolidationSchema>;

export const ScheduleSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** An EventBridge schedule expression: cron(...) or rate(...). */
    expression: z.string().regex(/^(cron|rate)\(.+\)$/, 'use an EventBridge expression such as cron(0 2 * * ? *) or rate(1 hour)'),
  })
  .strict();

export const SchedulesSchema = z
  .object({
    /** Hourly runs take [watermark, now - lagMinutes). */
    hourly: ScheduleSchema.extend({ lagMinutes: z.number().int().min(0).default(5) }).default({
      enabled: true,
      expression: 'cron(5 * * * ? *)',
      lagMinutes: 5,
    }),
    /** Daily runs process D-1, the previous business day. */
    daily: ScheduleSchema.default({ enabled: true, expression: 'cron(0 2 * * ? *)' }),
    /** IANA timezone in which a business day (and so D-1 and anomesdia) is counted. */
    businessTimezone: z.string().default('UTC'),
  })
  .strict()
  .superRefine((s, ctx) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: s.businessTimezone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['businessTimezone'], message: `"${s.businessTimezone}" is not an IANA timezone` });
    }
  });
export type SchedulesConfig = z.infer<typeof SchedulesSchema>;

export const RetrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(20).default(4),
    baseDelayMs: z.number().int().min(0).default(200),
    maxDelayMs: z.number().int().min(0).default(20_000),
  })
  .strict();
export type RetryConfig = z.infer<typeof RetrySchema>;

export const LimitsSchema = z
  .object({
    /** Sources processed at once by the state machine's Map. */
    sourceConcurrency: z.number().int().min(1).max(40).default(4),
    /**
     * The longest backfill one execution takes, in days: its summaries travel in the state machine's
     * 256 KB payload and its ingestion runs in one Lambda call per source. Split longer ones.
     */
    maxBackfillDays: z.number().int().min(1).max(1000).default(366),
    /**
     * Gold partitions of one consolidation consolidated at once (each in its own Lambda call). With
     * sourceConcurrency it bounds the Glue runs one execution may start at once: see glueMaxConcurrentRuns.
     */
    partitionConcurrency: z.number().int().min(1).max(40).default(4),
    /**
     * Minutes a consolidation's Glue run may take before Glue stops it (the job's Timeout); the state machine's
     * Glue task waits as long, and the execution (6 hours) longer.
     */
    glueJobTimeoutMinutes: z.number().int().min(5).max(300).default(120),
    /**
     * Runs of the consolidate Glue job at once (its MaxConcurrentRuns). Synth fails when one execution may ask
     * for more: min(sourceConcurrency, consolidations that may run on Glue) x partitionConcurrency.
     */
    glueMaxConcurrentRuns: z.number().int().min(1).max(1000).default(16),
    httpTimeoutMs: z.number().int().positive().default(30_000),
    httpPagesInFlight: z.number().int().min(1).max(64).default(8),
    /** Guard against endless pagination. */
    maxPagesPerRun: z.number().int().positive().default(100_000),
    /** Records per bronze NDJSON.gz part file; bounds memory whatever the source size. */
    bronzeRecordsPerFile: z.number().int().positive().default(50_000),
    retry: RetrySchema.default({ maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 20_000 }),
    journeyLeaseSeconds: z.number().int().positive().default(900),
    /**
     * How long a superseded silver or gold partition version stays readable after a newer one is published,
     * for the readers that started on it (a consolidation, an Athena query, a Glue job); then it is deleted.
     */
    supersededGraceMinutes: z.number().int().min(0).default(480),
    journeyTtlDays: z.number().int().positive().default(90),
    /** Bytes of sample rows kept inline in a congregado item (DynamoDB items max out at 400 KB). */
    congregadoSampleMaxBytes: z.number().int().positive().max(300_000).default(200_000),
    congregadoSampleRows: z.number().int().positive().max(1000).default(1000),
    lambdaMemoryMb: z.number().int().min(128).max(10_240).default(3008),
    lambdaTimeoutSeconds: z.number().int().min(1).max(900).default(900),
    athenaBytesScannedCutoff: z
      .number()
      .int()
      .min(10 * 1024 ** 2)
      .default(10 * 1024 ** 3),
    /** Alarm when a source's refine quarantines this percent or more of the rows it read in an hour; 0 turns it off. */
    invalidRowsAlarmPercent: z.number().min(0).max(100).default(5),
  })
  .strict();
export type LimitsConfig = z.infer<typeof LimitsSchema>;

export const StorageSchema = z
  .object({
    /** Prefix of every physical name (buckets, tables, workgroup) so that stages do not collide. */
    namePrefix: identifier.optional(),
    /** A disposable stage is destroyed with its data; anything else retains buckets and tables. */
    disposable: z.boolean().default(false),
    bronzeTransitionDays: z.number().int().min(30).optional(),
    noncurrentVersionExpirationDays: z.number().int().min(1).default(30),
    silverDatabase: identifier.default('db_silver'),
    tables: z
      .object({
        journey: z.string().min(3).default('journey_control'),
        congregado: z.string().min(3).default('congregado_data'),
        watermark: z.string().min(3).default('watermark'),
        /** Which version of each silver and gold partition is published (the lock the Glue catalog cannot give). */
        partitions: z.string().min(3).default('partition_versions'),
      })
      .strict()
      .default({ journey: 'journey_control', congregado: 'congregado_data', watermark: 'watermark', partitions: 'partition_versions' }),
    athenaWorkgroup: z.string().min(1).default('medallion'),
  })
  .strict();
export type StorageConfig = z.infer<typeof StorageSchema>;

export const PipelineConfigSchema = z
  .object({
    /** The JSON Schema an editor checks the file against (schema/pipeline-config.schema.json); ignored by the pipeline. */
    $schema: z.string().optional(),
    /** Deployment stage, e.g. dev or prod; part of stack names. */
    stage: identifier.default('dev'),
    sources: z
      .array(SourceSchema)
      .min(1)
      .max(
        MAX_SOURCES,
        `at most ${MAX_SOURCES} sources (the state machine's Map runs at most 40 at once); split the rest into another pipeline`,
      ),
    consolidations: z
      .array(ConsolidationSchema)
      .max(MAX_CONSOLIDATIONS, `at most ${MAX_CONSOLIDATIONS} consolidations; split the rest into another pipeline`)
      .default([]),
    schedules: SchedulesSchema.default({
      hourly: { enabled: true, expression: 'cron(5 * * * ? *)', lagMinutes: 5 },
      daily: { enabled: true, expression: 'cron(0 2 * * ? *)' },
      businessTimezone: 'UTC',
    }),
    limits: LimitsSchema.default(LimitsSchema.parse({})),
    storage: StorageSchema.default(StorageSchema.parse({})),
    /** Tags applied to every resource of both stacks (cost allocation). */
    tags: TagsSchema.default({}),
    /** Run the ingest function in these subnets and security groups, to reach private APIs [no VPC]. */
    vpc: VpcSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Runs even when parts of the config are malformed (ALWAYS), so it reads defensively.
    if (!Array.isArray(c.sources) || !Array.isArray(c.consolidations)) return;
    const days = c.limits?.maxBackfillDays;
    if (typeof days === 'number' && c.sources.length * days > MAX_SOURCE_DAYS)
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'maxBackfillDays'],
        message:
          `${c.sources.length} sources x ${days} days is ${c.sources.length * days} source-days, above ${MAX_SOURCE_DAYS}: each source's partitions of a ` +
          `backfill travel in the state machine's 256 KB payload; lower maxBackfillDays to ${Math.floor(MAX_SOURCE_DAYS / c.sources.length)} or split the sources into another pipeline`,
      });
    const sources = new Map(c.sources.map((s) => [s.name, s]));
    c.sources.forEach((s, i) => {
      if (c.sources.findIndex((o) => o.name === s.name) !== i)
        ctx.addIssue({ code: 'custom', path: ['sources', i, 'name'], message: `source "${s.name}" is declared twice` });
    });
    c.consolidations.forEach((k, i) => {
      const at = (...p: (string | number)[]) => ['consolidations', i, ...p];
      if (c.consolidations.findIndex((o) => o.database === k.database && o.tabela_consolidada === k.tabela_consolidada) !== i)
        ctx.addIssue({
          code: 'custom',
          path: at('tabela_consolidada'),
          message: `${k.database}.${k.tabela_consolidada} is declared twice`,
        });
      if (!Array.isArray(k.origens) || !Array.isArray(k.chaves_principais) || !Array.isArray(k.campos_decisao)) return;
      k.origens.forEach((o, j) => {
        const src = sources.get(o);
        if (!src) {
          ctx.addIssue({ code: 'custom', path: at('origens', j), message: `"${o}" is not a declared source` });
          return;
        }
        if (!Array.isArray(src.fields)) return;
        const fields = new Set(src.fields.map((f) => f.name));
        k.chaves_principais.forEach((key, n) => {
          if (!fields.has(key))
            ctx.addIssue({ code: 'custom', path: at('chaves_principais', n), message: `key "${key}" is not a field of origin "${o}"` });
        });
        k.campos_decisao.forEach((d, n) => {
          if (d && !fields.has(d.campo))
            ctx.addIssue({
              code: 'custom',
              path: at('campos_decisao', n),
              message: `decision field "${d.campo}" is not a field of origin "${o}"`,
            });
        });
      });
      goldStateIssues(k, c.sources).forEach((issue) => ctx.addIssue({ code: 'custom', path: at(...issue.path), message: issue.message }));
      aggregateIssues(k, c.sources).forEach((issue) => ctx.addIssue({ code: 'custom', path: at(...issue.path), message: issue.message }));
      if (Array.isArray(k.expectations) && k.expectations.length > 0 && k.output_path !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: at('expectations'),
          message:
            'expectations hold a partition back before it is published as a version; an output_path is written in place, with no version to hold back: drop one of them',
        });
      expectationIssues(`gold table ${k.database}.${k.tabela_consolidada}`, goldFields(k, c.sources), k.expectations).forEach((issue) =>
        ctx.addIssue({ code: 'custom', input: issue.input, path: at(...issue.path), message: issue.message }),
      );
    });
  }, ALWAYS);

/** The current-state table of a consolidation that keeps one [<tabela_consolidada>_current]. */
export function currentStateTable(c: ConsolidationConfig): string | undefined {
  return c.currentState && (c.currentState.table ?? `${c.tabela_consolidada}_current`);
}

/** The SCD type 2 history table of a consolidation that keeps one [<tabela_consolidada>_history]. */
export function historyTable(c: ConsolidationConfig): string | undefined {
  return c.history && (c.history.table ?? `${c.tabela_consolidada}_history`);
}

/** Whether a source or a consolidation declares expectations: then `<silverDatabase>.quality_results` holds their results. */
export function declaresExpectations(config: PipelineConfig): boolean {
  return [...config.sources, ...config.consolidations].some((t) => t.expectations.length > 0);
}

/** Whether a consolidation keeps any table computed from its gold partitions (current state, history, aggregates). */
export function keepsGoldTables(c: ConsolidationConfig): boolean {
  return c.currentState !== undefined || c.history !== undefined || c.aggregates.length > 0;
}

/**
 * A gold table's columns as fields: each origin's declared fields in order of first appearance (the first
 * declaration's type: a type clash is the consolidation's own error), then `origem`, the origin a row won from.
 */
export function goldFields(k: Pick<ConsolidationConfig, 'origens'>, sources: readonly SourceConfig[]): FieldConfig[] {
  const fields = new Map<string, FieldConfig>();
  for (const o of k.origens) {
    const declared = sources.find((s) => s.name === o)?.fields;
    for (const f of Array.isArray(declared) ? declared : []) if (!fields.has(f.name)) fields.set(f.name, f);
  }
  fields.set('origem', { name: 'origem', type: 'string', required: false });
  return [...fields.values()];
}

/** What is wrong in a consolidation's currentState, history, deleteMarker and aggregate table names. */
function goldStateIssues(k: ConsolidationConfig, sources: readonly SourceConfig[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const fields = new Set(
    k.origens.flatMap((o) => {
      const fs = sources.find((s) => s.name === o)?.fields;
      return Array.isArray(fs) ? fs.map((f) => f.name) : [];
    }),
  );
  if (k.deleteMarker && !fields.has(k.deleteMarker.field))
    issues.push({
      path: ['deleteMarker', 'field'],
      message: `"${k.deleteMarker.field}" is not a field of any origin (${k.origens.join(', ')})`,
    });
  if (k.deleteMarker && !k.currentState && !k.history)
    issues.push({
      path: ['deleteMarker'],
      message: 'a delete marker acts on the current state and history: turn on currentState or history',
    });
  if (k.history && k.campos_decisao[0]?.direcao === 'asc')
    issues.push({
      path: ['campos_decisao', 0, 'direcao'],
      message: `history orders versions by "${k.campos_decisao[0].campo}" (valid_from): it must grow with time, so direcao must be desc`,
    });
  // Every table the consolidation writes shares its database: no two may have one name.
  const names: [string, (string | number)[]][] = [[k.tabela_consolidada, ['tabela_consolidada']]];
  const current = currentStateTable(k);
  const history = historyTable(k);
  if (current) names.push([current, ['currentState', 'table']]);
  if (history) names.push([history, ['history', 'table']]);
  (Array.isArray(k.aggregates) ? k.aggregates : []).forEach((a, n) => names.push([a.table, ['aggregates', n, 'table']]));
  names.forEach(([name, path], n) => {
    const first = names.findIndex(([other]) => other === name);
    if (first !== n) issues.push({ path, message: `table "${name}" is already ${names[first]![1].join('.')} of this consolidation` });
  });
  return issues;
}

// ---- daily aggregates (issue 13, item 4): lambdas/core/gold/aggregates.ts ----
const NUMERIC_TYPES: readonly FieldType[] = ['integer', 'long', 'double', 'decimal'];

/** How a filter value of each field type is written (a value of the wrong form would match nothing, or fail the query). */
const FILTER_VALUE_FORMS: Record<FieldType, string> = {
  string: 'a string',
  json: 'a string',
  integer: 'an integer',
  long: 'an integer',
  double: 'a number',
  decimal: 'a number (or its exact text)',
  boolean: 'true or false',
  date: 'a date, "2024-01-19"',
  timestamp: 'an ISO-8601 instant, "2024-01-19T03:00:00Z"',
};

function filterValueFits(type: FieldType, v: string | number | boolean): boolean {
  switch (type) {
    case 'string':
    case 'json':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
    case 'long':
      return typeof v === 'number' ? Number.isSafeInteger(v) : typeof v === 'string' && /^[+-]?\d+$/.test(v);
    case 'double':
      return typeof v === 'number' && Number.isFinite(v);
    case 'decimal':
      return typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(v);
    case 'date':
      return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v));
    case 'timestamp':
      return typeof v === 'string' && parseTimestampText(v, 'UTC') !== undefined;
  }
}

/** What is wrong in a consolidation's aggregates: unknown gold columns, a measure its field's type cannot take, a filter's value. */
function aggregateIssues(k: ConsolidationConfig, sources: readonly SourceConfig[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  if (!Array.isArray(k.aggregates) || k.aggregates.length === 0) return issues;
  if (k.output_path !== undefined)
    issues.push({
      path: ['aggregates'],
      message: 'aggregates read the gold table from the catalog, which an output_path leaves alone: drop one of them',
    });
  const types = new Map(goldFields(k, sources).map((f) => [f.name, f.type]));
  const unknown = (field: string) =>
    `"${field}" is not a column of ${k.database}.${k.tabela_consolidada} (fields of ${k.origens.join(', ')}, or origem)`;
  k.aggregates.forEach((a, n) => {
    const at = (...p: (string | number)[]) => ['aggregates', n, ...p];
    const groupBy = Array.isArray(a.groupBy) ? a.groupBy : [];
    groupBy.forEach((g, j) => {
      if (!types.has(g)) issues.push({ path: at('groupBy', j), message: unknown(g) });
      if (groupBy.indexOf(g) !== j) issues.push({ path: at('groupBy', j), message: `"${g}" is grouped by twice` });
    });
    (Array.isArray(a.measures) ? a.measures : []).forEach((m, j) => {
      const taken = m.name === PARTITION_COLUMN ? 'the partition column' : groupBy.includes(m.name) ? 'a groupBy column' : undefined;
      if (taken) issues.push({ path: at('measures', j, 'name'), message: `measure "${m.name}" is ${taken}: name it otherwise` });
      else if (a.measures.findIndex((o) => o.name === m.name) !== j)
        issues.push({ path: at('measures', j, 'name'), message: `measure "${m.name}" is declared twice` });
      if (m.field === undefined) return;
      const type = types.get(m.field);
      if (type === undefined) issues.push({ path: at('measures', j, 'field'), message: unknown(m.field) });
      else if ((m.fn === 'sum' || m.fn === 'avg') && !NUMERIC_TYPES.includes(type))
        issues.push({
          path: at('measures', j, 'field'),
          message: `${m.fn} needs a numeric field (integer, long, double, decimal); "${m.field}" is ${type}`,
        });
      else if ((m.fn === 'min' || m.fn === 'max') && type === 'json')
        issues.push({
          path: at('measures', j, 'field'),
          message: `${m.fn} does not order JSON text; "${m.field}" is json: use count or count_distinct`,
        });
    });
    (Array.isArray(a.filter) ? a.filter : []).forEach((f, j) => {
      if (!types.has(f.field)) issues.push({ path: at('filter', j, 'field'), message: unknown(f.field) });
      const wanted = f.op === 'in' || f.op === 'not_in' ? 'array' : f.op === 'is_null' || f.op === 'is_not_null' ? 'none' : 'scalar';
      const given = f.value === undefined ? 'none' : Array.isArray(f.value) ? 'array' : 'scalar';
      if (wanted !== given)
        issues.push({
          path: at('filter', j, 'value'),
          message: {
            array: `${f.op} needs an array value, e.g. ["a", "b"]`,
            none: `${f.op} takes no value`,
            scalar: `${f.op} needs one value (a string, number or boolean)`,
          }[wanted],
        });
      else if (Array.isArray(f.value) && f.value.length === 0)
        issues.push({ path: at('filter', j, 'value'), message: `${f.op} needs at least one value` });
      const type = types.get(f.field);
      const misfit =
        type && (Array.isArray(f.value) ? f.value : f.value === undefined ? [] : [f.value]).find((v) => !filterValueFits(type, v));
      if (type && misfit !== undefined)
        issues.push({
          path: at('filter', j, 'value'),
          message: `"${f.field}" is ${type}: ${JSON.stringify(misfit)} is not ${FILTER_VALUE_FORMS[type]}`,
        });
    });
  });
  return issues;
}

export type PipelineConfigInput = z.input<typeof PipelineConfigSchema>;
export type PipelineConfig = z.output<typeof PipelineConfigSchema>;

/** A config that failed validation; `issues` lists every wrong field with its path and reason. */
export class PipelineConfigError extends PermanentError {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[], origin = 'pipeline config') {
    super(
      'PipelineConfigError',
      `Invalid ${origin} (${issues.length} error${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n') +
        '\nFix these fields and run again; see README.md, "Config reference".',
    );
    this.issues = issues;
  }
}

/** Formats a zod error path as `sources[2].fields[0].type`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/** Validates a raw config, throwing a PipelineConfigError that lists every error. */
export function parsePipelineConfig(raw: unknown, origin?: string): PipelineConfig {
  const result = PipelineConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new PipelineConfigError(
      result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
      origin,
    );
  }
  return result.data;
}

/** The `anomesdia` partition column shared by silver and gold tables. */
export const PARTITION_COLUMN = 'anomesdia';

/** A source name the config does not declare. */
export class UnknownSourceError extends PermanentError {
  constructor(
    readonly source: string,
    declared: string[],
  ) {
    super('UnknownSourceError', `Unknown source "${source}"; declared sources: ${declared.join(', ')}`);
  }
}

export function findSource(config: PipelineConfig, name: string): SourceConfig {
  const source = config.sources.find((s) => s.name === name);
  if (!source)
    throw new UnknownSourceError(
      name,
      config.sources.map((s) => s.name),
    );
  return source;
}

/** Physical name with the configured prefix, e.g. `acme_dev_journey_control`. */
/**
 * The service name of a deployment's logs and metrics (Powertools' `service` dimension): one per stage and
 * name prefix, so that two stages in one account never add up in a dashboard or an alarm.
 */
export function serviceName(config: PipelineConfig): string {
  return [config.storage.namePrefix?.replace(/_/g, '-'), 'medallion', config.stage.replace(/_/g, '-')].filter(Boolean).join('-');
}

/** The namespace of the pipeline's own metrics (RowsRead, RowsWritten, RowsInvalid, StepDuration, StepFailed). */
export const METRICS_NAMESPACE = 'MedallionPipeline';

export function physicalName(config: PipelineConfig, name: string): string {
  return config.storage.namePrefix ? `${config.storage.namePrefix}_${name}` : name;
}
