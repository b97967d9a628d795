// Random operation datasets with nulls, ties and awkward strings, shared by the consolidation tests.
import type { ConsolidationRules } from '../../../lambdas/core/consolidate/spec.js';
import type { CellValue, TableColumn } from '../../../lambdas/core/columnar/types.js';
import { tableColumns } from '../../support/parquet.js';

export const operationColumns: TableColumn[] = tableColumns({
  num_oper: 'string',
  cod_idef_ver_oper: 'integer',
  dat_vlr_even_oper: 'timestamp',
  num_prio_even_oper: 'integer',
  dat_recm_even_oper: 'timestamp',
  vlr_oper: 'decimal(18,2)',
  cod_moed: 'string',
  flg_ativo: 'boolean',
});

export const operationRules: ConsolidationRules = {
  origens: ['sor', 'sot', 'legado'],
  chaves_principais: ['num_oper', 'cod_idef_ver_oper'],
  campos_decisao: [
    { campo: 'dat_vlr_even_oper', direcao: 'desc' },
    { campo: 'num_prio_even_oper', direcao: 'asc' },
    { campo: 'dat_recm_even_oper', direcao: 'desc' },
  ],
};

/** A seeded xorshift32 PRNG, so that a failing seed can be replayed. */
export function random(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const STRINGS = ['A1', 'a1', 'B', 'é', 'e\u0301', '😀', '\uE000x', 'z', 'Z9', ''];

/** Rows over a few keys and decision values, so that keys repeat and decision tuples often tie. */
export function randomRows(rnd: () => number, count: number, options: { nullRate?: number } = {}): Record<string, CellValue>[] {
  const nullRate = options.nullRate ?? 0.15;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(rnd() * values.length)]!;
  const maybe = <T>(value: T): T | null => (rnd() < nullRate ? null : value);
  const base = Date.UTC(2024, 0, 19);
  return Array.from({ length: count }, () => ({
    num_oper: rnd() < 0.03 ? null : pick(STRINGS.slice(0, 6)),
    cod_idef_ver_oper: rnd() < 0.03 ? null : pick([1, 2, -3]),
    // Epoch microseconds that differ in the last microsecond too.
    dat_vlr_even_oper: maybe((base + pick([0, 1, 2]) * 3_600_000) * 1000 + pick([0, 1])),
    num_prio_even_oper: maybe(pick([1, 2])),
    dat_recm_even_oper: maybe((base + pick([0, 1]) * 60_000) * 1000),
    // Unscaled at scale 2: 10.50, 10.25, -3.00, 0.00, and two 18-digit values a cent apart.
    vlr_oper: maybe(pick([1050n, 1025n, -300n, 0n, 123456789012345678n, 123456789012345677n])),
    cod_moed: maybe(pick(STRINGS)),
    flg_ativo: maybe(pick([true, false])),
  }));
}

export function shuffled<T>(values: readonly T[], rnd: () => number): T[] {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
