// Plan: validates the execution input, computes the run's window and sources, and begins the journey.
import { z } from 'zod';
import { JourneyInProgressError } from '../core/journey/errors.js';
import { planRun, type PlannedSource } from '../core/plan.js';
import type { RunWindow } from '../core/window.js';
import { parseEvent } from './events.js';
import type { PipelineRuntime } from './runtime.js';

const PlanEventSchema = z.object({ input: z.unknown(), execution: z.string().default('local') });

export interface PlanOutput {
  status: 'started' | 'completed';
  runId: string;
  window: RunWindow;
  sources: PlannedSource[];
  consolidations: string[];
  force: boolean;
  /** Declared sources left out because they are disabled. */
  skipped: string[];
  /** The stored result of a journey that already completed. */
  result?: unknown;
}

/** A journey already COMPLETED comes back with its stored result (`completed`); one held by another execution fails. */
export async function planStep(event: unknown, rt: PipelineRuntime): Promise<PlanOutput> {
  const { input, execution } = parseEvent('Plan', PlanEventSchema, event);
  const watermarks: Record<string, string | undefined> = {};
  await Promise.all(rt.config.sources.map(async (s) => (watermarks[s.name] = (await rt.watermarks.get(s.name))?.watermark)));
  const plan = planRun(rt.config, input, { now: rt.now(), watermarks });
  const outcome = await rt.journeys.begin(
    plan.runId,
    { ...plan.jobParams, window: plan.window, skipped: plan.skipped },
    { force: plan.force, owner: execution },
  );
  if (outcome.kind === 'in_progress') throw new JourneyInProgressError(plan.runId, outcome.journey.owner, outcome.journey.lease_expires_at);
  const base = {
    runId: plan.runId,
    window: plan.window,
    sources: plan.sources,
    consolidations: plan.consolidations,
    force: plan.force,
    skipped: plan.skipped,
  };
  if (outcome.kind === 'completed') return { status: 'completed', ...base, result: outcome.journey.result };
  return { status: 'started', ...base };
}
