// A PartitionVersionStore in memory, with the DynamoDB adapter's compare-and-set, for unit tests of the core.
import type { PartitionVersionRecord, PartitionVersionStore } from '../../lambdas/ports/partition-versions.js';

export class MemoryPartitionVersions implements PartitionVersionStore {
  readonly records = new Map<string, PartitionVersionRecord>();

  async get(partition: string): Promise<PartitionVersionRecord | undefined> {
    const record = this.records.get(partition);
    return record && structuredClone(record);
  }

  async put(next: PartitionVersionRecord, expectedVersion: number | undefined): Promise<boolean> {
    if (this.records.get(next.partition)?.version !== expectedVersion) return false;
    this.records.set(next.partition, structuredClone(next));
    return true;
  }
}
