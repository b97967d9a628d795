// The state ports: journeys (idempotent executions), congregado records and per-source watermarks.
// The DynamoDB adapters implement them; the core and the handlers depend only on these shapes.
import type { SchemaDrift } from '../core/refine/drift.js';
import type { QualitySummary } from '../core/quality/expectations.js';

/** Key and index names of the state tables, shared by the CDK tables, the DynamoDB adapters and the local tables. */
export const STATE_KEYS = {
  journey: 'idempotency_key',
  journeyTtl: 'expires_at',
  congregado: 'id',
  /** The congregado table's GSI, named as its attribute. */
  congregadoIndex: 'idempotency_key',
  watermark: 'source',
  partitions: 'partition',
} as const;

export type JourneyStatus = 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** One step of a journey; also the processing log entry of seed 002 (`log_processamento`). */
export interface StepRecord {
  /** e.g. `ingest`, `refine`, `consolidate`, `complete` */
  name: string;
  /** WAITING: the step handed its partition to a Glue run, which the state machine waits on; the publishing step records the end. */
  status: 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'WAITING';
  /** Source or consolidation the step worked on (seed 002's tipo_payload). */
  source?: string;
  /** bronze, silver or gold (seed 002's camada). */
  layer?: 'bronze' | 'silver' | 'gold';
  /** Objects read or written (seed 002's nome_arquivo). */
  objects?: string[];
  message?: string;
  started_at: string;
  ended_at?: string;
  duration_ms?: number;
  rows_read?: number;
  rows_written?: number;
  rows_invalid?: number;
  /** Refine: records that drifted from the declared fields, per field (bounded). */
  drift?: SchemaDrift;
  /** Refine: the source's data-quality expectations, those that failed named (bounded). */
  quality?: QualitySummary;
  error?: string;
}

export interface JourneyRecord {
  idempotency_key: string;
  job_name: string;
  status: JourneyStatus;
  params: Record<string, unknown>;
  /** The step currently or last worked on. */
  step?: string;
  steps: StepRecord[];
  /** Bytes the steps take; steps stop being appended at STEPS_MAX_BYTES (a DynamoDB item holds at most 400 KB). */
  steps_bytes?: number;
  /** Steps not appended once `steps_bytes` reached its budget; their logs and metrics still went out. */
  steps_not_listed?: number;
  retry_count: number;
  started_at: string;
  updated_at: string;
  completed_at?: string;
  /** Holder of the lease and when it lapses; another caller may take over only after that. */
  owner?: string;
  lease_expires_at?: string;
  metadata?: Record<string, unknown>;
  result?: unknown;
  error?: string;
  /** Earlier attempts of this journey, oldest first (the last JOURNEY_ATTEMPTS_KEPT): how it failed or was abandoned, and by whom. */
  attempts?: JourneyAttempt[];
  /** DynamoDB TTL (epoch seconds). */
  expires_at?: number;
}

/** An earlier attempt of a journey, kept when a new one takes it over. */
export interface JourneyAttempt {
  owner?: string;
  /** FAILED, COMPLETED (a forced rerun), or ABANDONED (its lease lapsed while it was in progress). */
  status: JourneyStatus | 'ABANDONED';
  started_at: string;
  ended_at: string;
  error?: string;
  /** The step it was at. */
  step?: string;
}

export type BeginOutcome =
  /** This caller holds the lease and must run the work. */
  | { kind: 'started'; journey: JourneyRecord }
  /** Already COMPLETED: the stored result, work must not run again. */
  | { kind: 'completed'; journey: JourneyRecord }
  /** Another caller holds an unexpired lease. */
  | { kind: 'in_progress'; journey: JourneyRecord };

/**
 * What the stored journey must still look like for a conditional write to apply; `null` means the
 * attribute is absent. A write whose condition no longer holds changes nothing (another caller won).
 */
export interface JourneyExpectation {
  status?: JourneyStatus;
  notStatus?: JourneyStatus;
  retry_count?: number;
  owner?: string | null;
  lease_expires_at?: string | null;
  /** The steps stored so far take fewer bytes than this (`steps_bytes`). */
  stepBytesBelow?: number;
}

/** Journey attributes that an update may clear. */
export type RemovableJourneyField = 'owner' | 'lease_expires_at' | 'error' | 'result' | 'completed_at';

export interface JourneyChanges {
  set?: Partial<Omit<JourneyRecord, 'idempotency_key' | 'steps' | 'retry_count'>>;
  remove?: RemovableJourneyField[];
  /** Appended to `steps` (never rewriting the steps already there). */
  appendStep?: StepRecord;
  /** Adds one to `retry_count`. */
  incrementRetryCount?: boolean;
  /** Adds the appended step's size to `steps_bytes`. */
  stepBytes?: number;
  /** Adds one to `steps_not_listed` (a step not appended because the journey's steps reached their budget). */
  countStepNotListed?: boolean;
}

/** The journey table seen by JourneyController: whole-record conditional puts and atomic updates, no transactions. */
export interface JourneyStore {
  get(key: string): Promise<JourneyRecord | undefined>;
  /**
   * Writes the whole record: without `expected` only when no journey has this key yet; with it only when
   * the stored journey still matches. Returns false when the condition failed.
   */
  put(record: JourneyRecord, expected?: JourneyExpectation): Promise<boolean>;
  /** Applies changes to an existing journey (matching `expected`); the journey after, or undefined when absent or not matching. */
  update(key: string, changes: JourneyChanges, expected?: JourneyExpectation): Promise<JourneyRecord | undefined>;
  /** An upper bound of the bytes a value takes in the stored item, by the store's own rules (DynamoDB's 400 KB item). */
  sizeOf(value: unknown): number;
}

export interface WatermarkRecord {
  source: string;
  /** ISO-8601 instant up to which data is safely in bronze and silver (exclusive). */
  watermark: string;
  updated_at: string;
  /** The run (journey) that advanced it last. */
  run_id?: string;
}

export interface WatermarkStore {
  get(source: string): Promise<WatermarkRecord | undefined>;
  /** Moves the watermark forward to `to`; a value at or behind the current one changes nothing. */
  advance(source: string, to: string, runId?: string): Promise<{ advanced: boolean; current: WatermarkRecord }>;
}

/** What a consolidation reports to be saved as its congregado (seed 000). */
export interface CongregadoInput {
  database: string;
  tabela_consolidada: string;
  /** sha256 of the consolidated content; equal content gives an equal key and no new version. */
  content_hash: string;
  record_count: number;
  chaves_principais: string[];
  campos_decisao: string[];
  origens: string[];
  processor_type: string;
  /** Up to 1000 rows; the store bounds what it keeps inline by bytes. */
  sample_data: Record<string, unknown>[];
  metadata?: Record<string, unknown>;
}

export interface CongregadoRecord {
  /** `{database}_{tabela_consolidada}` */
  id: string;
  idempotency_key: string;
  version: number;
  record_count: number;
  database: string;
  tabela_consolidada: string;
  chaves_principais: string[];
  campos_decisao: string[];
  origens: string[];
  processor_type: string;
  sample_data: Record<string, unknown>[];
  /** Where the full sample lives when it did not fit inline. */
  sample_uri?: string;
  created_at: string;
  updated_at: string;
  metadata: Record<string, unknown>;
}

export interface CongregadoStore {
  save(input: CongregadoInput): Promise<{ record: CongregadoRecord; created: boolean }>;
  get(id: string): Promise<CongregadoRecord | undefined>;
  /** Every congregado record (one per consolidated table). */
  list(): Promise<CongregadoRecord[]>;
}

/**
 * What the pipeline's steps need from journey control; JourneyController (lambdas/core/journey/controller.ts)
 * implements it. Every write after `begin` names the holder (`owner`, the execution's id) and applies only
 * while that owner holds the journey: the lease token is the owner.
 */
export interface JourneyPort {
  /** Begins (or, with force, restarts) the journey of `key`; never runs two holders at once. */
  begin(key: string, params: Record<string, unknown>, options: { force: boolean; owner: string }): Promise<BeginOutcome>;
  /** Renews the holder's lease, for `leaseMs` from now when given. */
  renew(key: string, owner: string, leaseMs?: number): Promise<void>;
  recordStep(key: string, owner: string, step: StepRecord): Promise<void>;
  complete(key: string, owner: string, result: unknown): Promise<JourneyRecord | void>;
  /** `changed` false: the journey was COMPLETED or held by another owner, and stays as it was. */
  fail(key: string, owner: string, error: string): Promise<{ journey?: JourneyRecord; changed: boolean }>;
}
