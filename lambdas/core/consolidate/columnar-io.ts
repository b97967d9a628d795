// Parquet to columns and back, tuned for consolidation: numeric columns (dates and timestamps as epoch
// milliseconds) are read into typed arrays and strings as UTF-8 bytes, no boxed value per cell; snappy
// runs in WebAssembly (hysnappy). The flat writer
// writes min/max statistics on every column (gold is sorted by key: lookups skip row groups); the
// hyparquet-writer path (decimals above 18 digits) skips them and dictionary attempts on strings.
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { snappyCompressor } from 'hysnappy';
import { parquetSchemaElement, tableColumnFromSchema, type CellValue, type TableColumn } from '../parquet.js';
import { cellsOf, type FlatTable } from '../column-data.js';
import type { OriginTable } from './engine.js';
import { flatParquetSupports, writeFlatParquet } from './flat-parquet-writer.js';
import { arrayBufferOf, readFlatParquet } from './flat-parquet-reader.js';

const compress = snappyCompressor();

export function parquetFooter(bytes: Uint8Array): FileMetaData {
  return parquetMetadata(arrayBufferOf(bytes));
}

export function fileColumns(metadata: FileMetaData): TableColumn[] {
  return metadata.schema.slice(1).map(tableColumnFromSchema);
}

/** Reads the named columns (all when omitted) of a Parquet file: numbers into typed arrays, strings as UTF-8. */
export async function readColumns(bytes: Uint8Array, origem: string, names?: readonly string[]): Promise<OriginTable> {
  const table = readFlatParquet(bytes, names, undefined, { typed: true });
  return { origem, columns: table.columns, data: table.data, rowCount: table.rowCount };
}

export interface WriteColumnsOptions {
  rowGroupSize?: number;
  kvMetadata?: { key: string; value: string }[];
}

/** Writes a column table as snappy Parquet with the pipeline's type mapping (see parquet.ts); flat-parquet-writer.ts when it can. */
export function writeColumns(table: FlatTable, options: WriteColumnsOptions = {}): Uint8Array {
  if (flatParquetSupports(table.columns)) return writeFlatParquet(table, options);
  const columnData: ColumnSource[] = table.columns.map((c) => {
    const values = Array.from(cellsOf(c, table.data[c.name]!), (v) => v ?? null);
    return {
      name: c.name,
      data: c.type === 'long' ? values.map((v) => (v === null ? null : BigInt(v as number))) : values,
      // Statistics on every string cost a compare per value; readers of a consolidated partition scan it whole.
      statistics: c.type !== 'string',
      // A dictionary attempt on a mostly distinct column is thrown away after building it: skip it.
      ...(mostlyDistinct(values) ? { encoding: 'PLAIN' as const } : {}),
    };
  });
  const buffer = parquetWriteBuffer({
    columnData,
    schema: [{ name: 'root', num_children: table.columns.length }, ...table.columns.map(parquetSchemaElement)],
    codec: 'SNAPPY',
    compressors: { SNAPPY: compress },
    rowGroupSize: options.rowGroupSize ?? 250_000,
    kvMetadata: options.kvMetadata,
    createdBy: 'medallion-pipeline consolidate',
  });
  return new Uint8Array(buffer);
}

/** True when a sample of the column's first values is more than half distinct. */
function mostlyDistinct(values: readonly CellValue[]): boolean {
  const sample = Math.min(values.length, 20_000);
  const seen = new Set<unknown>();
  for (let i = 0; i < sample; i++) seen.add(values[i]);
  return seen.size > sample / 2;
}
