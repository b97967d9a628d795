// Deterministic, realistically dirty demo records for the default config's sources, for one business day.
import { startOfBusinessDay, addDays } from '../lambdas/core/plan.js';

export type DemoRecord = Record<string, unknown>;

export interface DemoDataset {
  /** The business day (YYYY-MM-DD) whose window the records' watermark fields fall in. */
  day: string;
  /** Records each HTTP source serves, in the order it serves them (dirty: duplicates, invalid rows). */
  http: Record<'sor' | 'sot' | 'clientes' | 'cotacoes', DemoRecord[]>;
  /** Files for the file-drop source, by file name: records (written as NDJSON), or a file's raw text. */
  files: Record<string, DemoRecord[] | string>;
  /** Which records were made invalid on purpose, per source, and why: the quarantine should hold them. */
  invalid: Record<string, { record: DemoRecord; reason: string }[]>;
}

export interface DemoOptions {
  /** Business day of the data (D-1 of the run). */
  day: string;
  timezone: string;
  /** Operations (keys) in sor and sot [600]. */
  operations?: number;
  seed?: number;
}

/** mulberry32: a tiny seeded PRNG, so that a day's demo data is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Builds one business day of demo data. Operations arrive from sor and sot in several versions each:
 * late updates of a key with newer decision fields, exact duplicates, a null priority now and then, a
 * few events dated the day before (late arrivals for an earlier partition), and invalid rows.
 */
export function demoDataset(options: DemoOptions): DemoDataset {
  const rand = prng(options.seed ?? hashDay(options.day));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const dayStart = Date.parse(startOfBusinessDay(options.day, options.timezone));
  const dayEnd = Date.parse(startOfBusinessDay(addDays(options.day, 1), options.timezone));
  const prevStart = Date.parse(startOfBusinessDay(addDays(options.day, -1), options.timezone));
  // Whole seconds inside the window, so that every watermark field falls in [dayStart, dayEnd).
  const inDay = (from = dayStart) => new Date(from + Math.floor(rand() * ((dayEnd - from) / 1000 - 1)) * 1000).toISOString();
  const invalid: DemoDataset['invalid'] = {};
  const markInvalid = (source: string, record: DemoRecord, reason: string) => (invalid[source] ??= []).push({ record, reason });

  const operations = options.operations ?? 600;
  const sor: DemoRecord[] = [];
  const sot: DemoRecord[] = [];
  const statuses = ['ABERTA', 'LIQUIDADA', 'CANCELADA', 'EM_ANALISE'] as const;
  for (let i = 1; i <= operations; i++) {
    const num_oper = `OP${String(i).padStart(7, '0')}`;
    const cod_idef_ver_oper = int(1, 3);
    // One operation in twenty is an event of the previous day that arrives late.
    const eventDayStart = i % 20 === 0 ? prevStart : dayStart;
    const eventDayEnd = i % 20 === 0 ? dayStart : dayEnd;
    const versions = int(1, 4);
    let decidedAt = eventDayStart + Math.floor(rand() * ((eventDayEnd - eventDayStart) / 2000)) * 1000;
    for (let v = 0; v < versions; v++) {
      // Each later version has a later value date or, at the same date, a higher priority: a unique winner.
      decidedAt += int(0, 1) === 0 ? 0 : int(1, 3600) * 1000;
      decidedAt = Math.min(decidedAt, eventDayEnd - 1000);
      const record: DemoRecord = {
        num_oper,
        cod_idef_ver_oper,
        dat_vlr_even_oper: new Date(decidedAt).toISOString(),
        num_prio_even_oper: v === 0 && rand() < 0.1 ? null : v + 1,
        dat_recm_even_oper: new Date(Math.min(decidedAt + int(1, 600) * 1000, dayEnd - 1000)).toISOString(),
        vlr_oper: (int(100, 9_999_999) / 100).toFixed(2),
        cod_moed: pick(['BRL', 'USD', 'EUR']),
        des_stat_oper: pick(statuses),
        updated_at: inDay(),
      };
      (rand() < 0.5 ? sor : sot).push(record);
      // Systems re-send: an exact duplicate now and then, in the other system or the same one.
      if (rand() < 0.08) (rand() < 0.5 ? sor : sot).push({ ...record });
    }
  }
  for (const [source, rows] of [
    ['sor', sor],
    ['sot', sot],
  ] as const) {
    const bad: [DemoRecord, string][] = [
      [{ ...rows[3]!, num_oper: null }, 'num_oper is required'],
      [{ ...rows[7]!, vlr_oper: 'dez reais' }, 'vlr_oper is not a decimal'],
      [{ ...rows[11]!, dat_vlr_even_oper: '31/02/2024 25:00' }, 'dat_vlr_even_oper is not a timestamp'],
    ];
    for (const [record, reason] of bad) {
      // A distinct key, so an invalid row never shadows a valid version in the expectation.
      record.num_oper = record.num_oper === null ? null : `BAD-${source}-${reason.split(' ')[0]}`;
      record.updated_at = inDay();
      rows.splice(int(0, rows.length), 0, record);
      markInvalid(source, record, reason);
    }
  }

  const clientes: DemoRecord[] = [];
  const nomes = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elisa', 'Fábio', 'Gabriela', 'Heitor', 'Íris', 'João'];
  for (let i = 1; i <= 250; i++) {
    const record: DemoRecord = {
      cod_cliente: 100_000 + i,
      nom_cliente: `${pick(nomes)} ${pick(['Silva', 'Souza', 'Oliveira', 'Santos', 'Lima'])}`,
      dat_nascimento: `${int(1950, 2004)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`,
      vlr_limite_credito: rand() < 0.1 ? null : (int(50_000, 5_000_000) / 100).toFixed(2),
      flg_ativo: rand() < 0.9,
      updated_at: inDay(),
    };
    clientes.push(record);
    if (rand() < 0.1)
      clientes.push({ ...record, flg_ativo: !record.flg_ativo, updated_at: inDay(Date.parse(record.updated_at as string)) });
  }
  const badCliente = { cod_cliente: 'not-a-number', nom_cliente: 'Zé', flg_ativo: true, updated_at: inDay() };
  clientes.splice(17, 0, badCliente);
  markInvalid('clientes', badCliente, 'cod_cliente is not a long');

  const cotacoes: DemoRecord[] = [];
  for (let h = 0; h < 24; h++) {
    for (const [moeda, base] of [
      ['USD', 5.1],
      ['EUR', 5.5],
      ['GBP', 6.4],
    ] as const) {
      const at = new Date(Math.min(dayStart + h * 3_600_000, dayEnd - 1000)).toISOString();
      const compra = Math.round((base + (rand() - 0.5) * 0.2) * 10_000) / 10_000;
      cotacoes.push({ cod_moed: moeda, dat_cotacao: at, vlr_compra: compra, vlr_venda: Math.round(compra * 1.01 * 10_000) / 10_000 });
    }
  }
  const badCotacao = { cod_moed: 'USD', dat_cotacao: inDay(), vlr_compra: null, vlr_venda: 5.2 };
  cotacoes.splice(5, 0, badCotacao);
  markInvalid('cotacoes', badCotacao, 'vlr_compra is required');

  const especies = ['bovino', 'suino', 'ovino', 'caprino', 'equino'];
  const animal = (i: number): DemoRecord => ({
    id_animal: `AN-${String(i).padStart(5, '0')}`,
    especie: pick(especies),
    peso_kg: (int(1_000, 90_000) / 100).toFixed(2),
    dat_registro: inDay(),
  });
  const files: DemoDataset['files'] = {
    [`animais-${options.day}-manha.ndjson`]: Array.from({ length: 40 }, (_, i) => animal(i + 1)),
    [`animais-${options.day}-tarde.ndjson`]: Array.from({ length: 35 }, (_, i) => animal(i + 41)),
  };
  const badAnimal = { id_animal: 'AN-99999', especie: null, peso_kg: '12.00', dat_registro: inDay() };
  (files[`animais-${options.day}-tarde.ndjson`] as DemoRecord[]).push(badAnimal);
  markInvalid('animais', badAnimal, 'especie is required');
  // An upload cut off in its last line: the whole file goes to error/ with its reason, none of it to bronze.
  files[`animais-${options.day}-noite.ndjson`] = `${JSON.stringify(animal(90))}\n${JSON.stringify(animal(91)).slice(0, 30)}`;

  return { day: options.day, http: { sor, sot, clientes, cotacoes }, files, invalid };
}

function hashDay(day: string): number {
  let h = 2166136261;
  for (const c of day) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}
