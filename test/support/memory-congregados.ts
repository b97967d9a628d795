// An in-memory CongregadoStore for tests: every save kept in `saved`, versions counted per table.
import type { CongregadoInput, CongregadoRecord, CongregadoStore } from '../../lambdas/ports/state-stores.js';

export class MemoryCongregados implements CongregadoStore {
  readonly saved: CongregadoInput[] = [];
  private records = new Map<string, CongregadoRecord>();
  async save(input: CongregadoInput) {
    this.saved.push(input);
    const id = `${input.database}_${input.tabela_consolidada}`;
    const previous = this.records.get(id);
    const record: CongregadoRecord = {
      ...input,
      id,
      idempotency_key: input.content_hash,
      version: (previous?.version ?? 0) + 1,
      created_at: 'x',
      updated_at: 'x',
      metadata: input.metadata ?? {},
    };
    this.records.set(id, record);
    return { record, created: true };
  }
  async get(id: string) {
    return this.records.get(id);
  }
  async list() {
    return [...this.records.values()];
  }
}
