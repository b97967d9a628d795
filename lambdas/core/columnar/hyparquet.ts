// Every import of hyparquet, hyparquet-writer and hysnappy, internals included, in one place: the flat
// reader uses hyparquet's page decoders, the flat writer hyparquet-writer's thrift code. An upgrade of
// either library is checked against this file.
export { parquetMetadata } from 'hyparquet';
export type { ColumnChunk, DecodedArray, FileMetaData, RowGroup, SchemaElement, Statistics } from 'hyparquet';
export { parquetHeader } from 'hyparquet/src/column.js';
export { convert, convertWithDictionary, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
export { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
export { readPlain } from 'hyparquet/src/plain.js';
export { getSchemaPath } from 'hyparquet/src/schema.js';
export type { ColumnDecoder } from 'hyparquet/src/types.js';
export { ByteWriter } from 'hyparquet-writer';
export { writePageHeader } from 'hyparquet-writer/src/datapage.js';
export { writeMetadata } from 'hyparquet-writer/src/metadata.js';
export { snappyCompressor, snappyUncompressor } from 'hysnappy';
