import { describe, expect, it } from 'vitest';
import { cellTable, rowsFromTable, tableFromRows, writeParquet } from '../../support/parquet.js';
import { consolidate, originTable, type OriginTable } from '../../../lambdas/core/consolidate/engine.js';
import { compareStrings } from '../../../lambdas/core/consolidate/compare.js';
import type { ConsolidationRules } from '../../../lambdas/core/consolidate/spec.js';
import { ConsolidationInputError, ConsolidationSchemaError } from '../../../lambdas/core/consolidate/errors.js';
import type { CellValue, TableColumn } from '../../../lambdas/core/columnar/types.js';
import { operationColumns, operationRules, random, randomRows, shuffled } from './fixtures.js';

const columns: TableColumn[] = [
  { name: 'k', type: 'string' },
  { name: 'd1', type: 'integer' },
  { name: 'd2', type: 'timestamp' },
  { name: 'v', type: 'string' },
];
const rules: ConsolidationRules = {
  origens: ['sor', 'sot'],
  chaves_principais: ['k'],
  campos_decisao: [
    { campo: 'd1', direcao: 'desc' },
    { campo: 'd2', direcao: 'desc' },
  ],
};
const at = (minute: number) => new Date(Date.UTC(2024, 0, 19, 0, minute));
const origin = (origem: string, rows: Record<string, CellValue>[], cols = columns): OriginTable =>
  originTable(origem, tableFromRows(cols, rows));
const run = (inputs: OriginTable[], r = rules) => rowsFromTable(consolidate(r, inputs).table);

describe('consolidate', () => {
  it('keeps the row with the greatest decision tuple across origins and names its origin', () => {
    const out = run([
      origin('sor', [
        { k: 'a', d1: 1, d2: at(9), v: 'sor-old' },
        { k: 'b', d1: 5, d2: at(0), v: 'sor-b' },
      ]),
      origin('sot', [
        { k: 'a', d1: 2, d2: at(0), v: 'sot-new' },
        { k: 'b', d1: 5, d2: at(1), v: 'sot-b' },
      ]),
    ]);
    expect(out.map((r) => [r.k, r.v, r.origem])).toEqual([
      ['a', 'sot-new', 'sot'],
      ['b', 'sot-b', 'sot'],
    ]);
  });

  it('lets the smaller value win on an ascending decision field', () => {
    const asc: ConsolidationRules = { ...rules, campos_decisao: [{ campo: 'd1', direcao: 'asc' }] };
    const out = run(
      [
        origin('sor', [
          { k: 'a', d1: 3, v: 'three' },
          { k: 'a', d1: 1, v: 'one' },
          { k: 'a', d1: 2, v: 'two' },
        ]),
      ],
      asc,
    );
    expect(out.map((r) => r.v)).toEqual(['one']);
  });

  it.each(['desc', 'asc'] as const)('never lets a null decision value beat a present one (%s)', (direcao) => {
    const r: ConsolidationRules = {
      ...rules,
      campos_decisao: [
        { campo: 'd1', direcao },
        { campo: 'd2', direcao: 'desc' },
      ],
    };
    const out = run(
      [
        origin('sor', [
          { k: 'a', d1: null, d2: at(59), v: 'null-d1' },
          { k: 'a', d1: -100, d2: at(0), v: 'present' },
        ]),
      ],
      r,
    );
    expect(out.map((x) => x.v)).toEqual(['present']);
  });

  it('moves to the next decision field when both values are null', () => {
    const out = run([
      origin('sor', [
        { k: 'a', d1: null, d2: at(1), v: 'early' },
        { k: 'a', d1: null, d2: at(2), v: 'late' },
      ]),
    ]);
    expect(out.map((x) => x.v)).toEqual(['late']);
  });

  it('quarantines rows with a null key with the reason, and never drops them silently', () => {
    const cols: TableColumn[] = [
      { name: 'k1', type: 'string' },
      { name: 'k2', type: 'integer' },
      { name: 'd1', type: 'integer' },
    ];
    const r: ConsolidationRules = { origens: ['sor'], chaves_principais: ['k1', 'k2'], campos_decisao: [{ campo: 'd1', direcao: 'desc' }] };
    const result = consolidate(r, [
      origin(
        'sor',
        [
          { k1: null, k2: 1, d1: 1 },
          { k1: null, k2: null, d1: 2 },
          { k1: 'x', k2: 1, d1: 3 },
        ],
        cols,
      ),
    ]);
    expect(result.rows_read).toBe(3);
    expect(result.table.rowCount).toBe(1);
    expect(result.quarantined.map((q) => [q.origem, q.reason, q.row.d1])).toEqual([
      ['sor', 'null key column "k1"', 1],
      ['sor', 'null key columns "k1", "k2"', 2],
    ]);
  });

  it('gives a full tie to the origin listed first in origens, whatever the input order', () => {
    const tie = { k: 'a', d1: 1, d2: at(1) };
    const sot = origin('sot', [{ ...tie, v: 'aaa from sot' }]);
    const sor = origin('sor', [{ ...tie, v: 'zzz from sor' }]);
    expect(run([sot, sor]).map((r) => r.origem)).toEqual(['sor']);
    expect(run([sor, sot]).map((r) => r.origem)).toEqual(['sor']);
    expect(run([sor, sot], { ...rules, origens: ['sot', 'sor'] }).map((r) => r.origem)).toEqual(['sot']);
  });

  it('breaks a tie within one origin by the smallest output columns, nulls last', () => {
    const tie = { k: 'a', d1: 1, d2: at(1) };
    expect(
      run([
        origin('sor', [
          { ...tie, v: null },
          { ...tie, v: 'b' },
          { ...tie, v: 'a' },
        ]),
      ]).map((r) => r.v),
    ).toEqual(['a']);
    expect(
      run([
        origin('sor', [
          { ...tie, v: 'b' },
          { ...tie, v: null },
        ]),
      ]).map((r) => r.v),
    ).toEqual(['b']);
  });

  it('sorts the output by key in code point order', () => {
    const out = run([
      origin(
        'sor',
        ['😀', '\uE000', 'b', 'B', 'é'].map((k) => ({ k, d1: 1 })),
      ),
    ]);
    expect(out.map((r) => r.k)).toEqual(['B', 'b', 'é', '\uE000', '😀']);
    expect(compareStrings('\uE000', '😀')).toBeLessThan(0);
    expect('\uE000' < '😀').toBe(false); // UTF-16 order would disagree with the SQL engines
  });

  it('sorts keys that share long prefixes, differ only in length or in a second key column', () => {
    const keys = ['id', 'id-', 'id-00', 'a', ''];
    for (let i = 0; i < 300; i++) keys.push(`id-${'x'.repeat(i % 40)}${i % 7}-${i}`, `id-${String(i).padStart(25, '0')}`);
    const two: ConsolidationRules = { ...rules, chaves_principais: ['k', 'd1'], campos_decisao: [{ campo: 'd2', direcao: 'desc' }] };
    const rows = shuffled(
      keys.flatMap((k) => [
        { k, d1: 2 },
        { k, d1: 1 },
      ]),
      random(7),
    );
    const out = run([origin('sor', rows)], two);
    const expected = [...keys].sort(compareStrings).flatMap((k) => [
      [k, 1],
      [k, 2],
    ]);
    expect(out.map((r) => [r.k, r.d1])).toEqual(expected);
  });

  it('writes the same Parquet bytes whatever the order of rows and origins', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const rnd = random(seed);
      const byOrigin = operationRules.origens.map((o) => ({ o, rows: randomRows(rnd, 300) }));
      const bytes = (order: typeof byOrigin) =>
        Buffer.from(
          writeParquet(
            cellTable(
              consolidate(
                operationRules,
                order.map(({ o, rows }) => origin(o, rows, operationColumns)),
              ).table,
            ),
          ),
        ).toString('base64');
      const first = bytes(byOrigin);
      const again = bytes(shuffled(byOrigin, rnd).map(({ o, rows }) => ({ o, rows: shuffled(rows, rnd) })));
      expect(again).toBe(first);
    }
  });

  it('fills columns an origin lacks with nulls', () => {
    const slim = columns.filter((c) => c.name !== 'v');
    const result = consolidate(rules, [origin('sor', [{ k: 'a', d1: 1, v: 'x' }]), origin('sot', [{ k: 'b', d1: 1 }], slim)]);
    expect(rowsFromTable(result.table).map((r) => [r.k, r.v])).toEqual([
      ['a', 'x'],
      ['b', null],
    ]);
    expect(result.table.columns.map((c) => c.name)).toEqual(['k', 'd1', 'd2', 'v', 'origem']);
  });

  it('uses the gold table columns when given, ignoring lineage columns of the origins', () => {
    const withLineage = [...columns, { name: '_run_id', type: 'string' as const }];
    const result = consolidate(rules, [origin('sor', [{ k: 'a', d1: 1, _run_id: 'r1' }], withLineage)], { columns });
    expect(result.table.columns.map((c) => c.name)).toEqual(['k', 'd1', 'd2', 'v', 'origem']);
  });

  it('rejects a column with two types, naming the origin, the column and both types', () => {
    const wrong = columns.map((c) => (c.name === 'd1' ? { ...c, type: 'string' as const } : c));
    const call = () => consolidate(rules, [origin('sor', [{ k: 'a', d1: 1 }]), origin('sot', [{ k: 'a', d1: '1' }], wrong)]);
    expect(call).toThrow(ConsolidationSchemaError);
    expect(call).toThrow('Origin "sot" has column "d1" as string, but origin "sor" has it as integer');
  });

  it('rejects an origin that is not in origens and a key that no origin has', () => {
    expect(() => run([origin('other', [])])).toThrow(ConsolidationInputError);
    expect(() => run([origin('sor', [])], { ...rules, chaves_principais: ['missing'] })).toThrow(
      'Column "missing" (a key or decision field) is in none of the origins',
    );
  });
});
