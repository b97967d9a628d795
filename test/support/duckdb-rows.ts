// DuckDB result rows in the pipeline's cell forms, so that they compare with the engine's exactly:
// decimals as unscaled bigints, timestamps as epoch microseconds (the JS defaults are a double and a Date).
import {
  DuckDBDecimalValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBResultReader,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';

const exact: DuckDBValueConverter<JS> = (value, type, converter) => {
  if (value instanceof DuckDBDecimalValue) return value.value;
  if (value instanceof DuckDBTimestampValue && type.typeId === DuckDBTypeId.TIMESTAMP) return Number(value.micros);
  return JSDuckDBValueConverter(value, type, converter);
};

export function exactRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  return reader.convertRowObjects(exact);
}
