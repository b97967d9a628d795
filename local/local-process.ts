// Which local process holds something (the data folder's lock, a journey), and whether it still runs.
import { hostname } from 'node:os';
import { z } from 'zod';

const LocalProcessSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** When the process started (ISO 8601). */
  started_at: z.string(),
  command: z.string(),
});

export type LocalProcess = z.infer<typeof LocalProcessSchema>;

/** The process that is running this code. */
export function thisProcess(): LocalProcess {
  return {
    pid: process.pid,
    host: hostname(),
    // When this process began (a fixed instant, unlike now minus its uptime).
    started_at: new Date(performance.timeOrigin).toISOString(),
    command: process.argv.slice(1).join(' '),
  };
}

/** The value as a LocalProcess, or undefined when it is not one (a record written by something else). */
export function asLocalProcess(value: unknown): LocalProcess | undefined {
  const parsed = LocalProcessSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Why the process is gone, or undefined when it may still run: only a process of this host can be checked
 * (signal 0 tests that a pid exists without touching it; EPERM means it exists under another user). A pid
 * reused by an unrelated process reads as running: the safe mistake, which waits as if the owner lived.
 */
export function localProcessGone(p: LocalProcess): string | undefined {
  if (p.host !== hostname()) return undefined;
  try {
    process.kill(p.pid, 0);
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return undefined;
    return `${describeLocalProcess(p)} is no longer running`;
  }
}

export function describeLocalProcess(p: LocalProcess): string {
  return `process ${p.pid} on ${p.host}, started ${p.started_at} (${p.command})`;
}
