// The default pipeline config: four demo HTTP sources (one per pagination style, as seed 004's four
// APIs), one file-drop source (seed 002) and the seed 000 consolidation of `sor` and `sot`.
import type { FieldConfig, PipelineConfigInput } from './config.js';

/** Operation events as both the system of record (sor) and the system of transit (sot) deliver them. */
const operationFields: FieldConfig[] = [
  { name: 'num_oper', type: 'string', required: true, description: 'operation number (key)' },
  { name: 'cod_idef_ver_oper', type: 'integer', required: true, description: 'operation version id (key)' },
  { name: 'dat_vlr_even_oper', type: 'timestamp', required: true, description: 'event value date (decision 1)' },
  { name: 'num_prio_even_oper', type: 'integer', required: false, description: 'event priority (decision 2)' },
  { name: 'dat_recm_even_oper', type: 'timestamp', required: false, description: 'event receipt time (decision 3)' },
  { name: 'vlr_oper', type: 'decimal', precision: 18, scale: 2, required: true, description: 'operation amount' },
  { name: 'cod_moed', type: 'string', required: false, description: 'currency code' },
  { name: 'des_stat_oper', type: 'string', required: false, description: 'operation status' },
  { name: 'updated_at', type: 'timestamp', required: true, description: 'last change at the source (watermark)' },
];

export const DEMO_API_BASE = 'https://api.example.com';

export const defaultPipelineConfig: PipelineConfigInput = {
  stage: 'dev',
  sources: [
    {
      name: 'sor',
      description: 'Operations from the system of record; page-number pagination.',
      kind: 'http',
      http: {
        endpoint: `${DEMO_API_BASE}/sor/operacoes`,
        pagination: { style: 'page', pageParam: 'page', pageSizeParam: 'page_size', pageSize: 500, firstPage: 1 },
        recordsPath: 'data',
        authSecretName: 'medallion/demo-api-token',
      },
      fields: operationFields,
      watermarkField: 'updated_at',
      partitionField: 'dat_vlr_even_oper',
      // Data quality (seed 004's next steps): counted and logged, nothing dropped; see the npm start summary.
      expectations: [
        { name: 'status_conhecido', accepted_values: { field: 'des_stat_oper', values: ['ABERTA', 'LIQUIDADA', 'CANCELADA'] } },
        { name: 'valor_nao_negativo', range: { field: 'vlr_oper', min: 0 } },
      ],
    },
    {
      name: 'sot',
      description: 'Operations from the system of transit; cursor pagination.',
      kind: 'http',
      http: {
        endpoint: `${DEMO_API_BASE}/sot/operacoes`,
        pagination: { style: 'cursor', cursorParam: 'cursor', nextCursorPath: 'next_cursor', pageSizeParam: 'limit', pageSize: 500 },
        recordsPath: 'items',
        authSecretName: 'medallion/demo-api-token',
      },
      fields: operationFields,
      watermarkField: 'updated_at',
      partitionField: 'dat_vlr_even_oper',
    },
    {
      name: 'clientes',
      description: 'Customers; offset/limit pagination.',
      kind: 'http',
      http: {
        endpoint: `${DEMO_API_BASE}/clientes`,
        pagination: { style: 'offset', offsetParam: 'offset', limitParam: 'limit', limit: 500, totalPath: 'total' },
        recordsPath: 'results',
        authSecretName: 'medallion/demo-api-token',
      },
      fields: [
        { name: 'cod_cliente', type: 'long', required: true },
        { name: 'nom_cliente', type: 'string', required: true },
        { name: 'dat_nascimento', type: 'date', required: false },
        { name: 'vlr_limite_credito', type: 'decimal', precision: 14, scale: 2, required: false },
        { name: 'flg_ativo', type: 'boolean', required: true },
        { name: 'updated_at', type: 'timestamp', required: true },
      ],
      watermarkField: 'updated_at',
    },
    {
      name: 'cotacoes',
      description: 'Exchange rates; next-link pagination.',
      kind: 'http',
      http: {
        endpoint: `${DEMO_API_BASE}/cotacoes`,
        pagination: { style: 'link', nextLinkPath: 'links.next' },
        recordsPath: 'data',
      },
      fields: [
        { name: 'cod_moed', type: 'string', required: true },
        { name: 'dat_cotacao', type: 'timestamp', required: true },
        { name: 'vlr_compra', type: 'double', required: true },
        { name: 'vlr_venda', type: 'double', required: true },
      ],
      watermarkField: 'dat_cotacao',
    },
    {
      name: 'animais',
      description: 'Animal records dropped as JSON or NDJSON files under pending/animais/ (seed 002).',
      kind: 'files',
      files: { format: 'ndjson' },
      fields: [
        { name: 'id_animal', type: 'string', required: true },
        { name: 'especie', type: 'string', required: true },
        { name: 'peso_kg', type: 'decimal', precision: 8, scale: 2, required: false },
        { name: 'dat_registro', type: 'timestamp', required: true },
      ],
      watermarkField: 'dat_registro',
    },
  ],
  consolidations: [
    {
      database: 'db_batch',
      tabela_consolidada: 'tbl_processado_operacao_consolidada_n1',
      origens: ['sor', 'sot'],
      chaves_principais: ['num_oper', 'cod_idef_ver_oper'],
      campos_decisao: [
        { campo: 'dat_vlr_even_oper', direcao: 'desc' },
        { campo: 'num_prio_even_oper', direcao: 'desc' },
        { campo: 'dat_recm_even_oper', direcao: 'desc' },
      ],
      engine: 'auto',
      // The current state of each operation and its history, kept by MERGE (Iceberg in AWS, DuckDB locally).
      currentState: {},
      history: {},
      // Seed 004's gold layer keeps business aggregates (agregações de negócio): the day's operations by status and currency.
      aggregates: [
        {
          table: 'tbl_operacao_resumo_diario',
          groupBy: ['des_stat_oper', 'cod_moed'],
          measures: [
            { name: 'operacoes', fn: 'count' },
            { name: 'operacoes_distintas', fn: 'count_distinct', field: 'num_oper' },
            { name: 'valor_total', fn: 'sum', field: 'vlr_oper' },
            { name: 'valor_medio', fn: 'avg', field: 'vlr_oper' },
          ],
        },
      ],
      // Checked on each gold partition before it is published: a version per operation is the table's promise (fail).
      expectations: [
        { name: 'uma_versao_por_operacao', unique: ['num_oper', 'cod_idef_ver_oper'], action: 'fail' },
        { name: 'moeda_iso', regex: { field: 'cod_moed', pattern: '^[A-Z]{3}$' } },
      ],
    },
  ],
  schedules: {
    hourly: { enabled: true, expression: 'cron(5 * * * ? *)', lagMinutes: 5 },
    daily: { enabled: true, expression: 'cron(0 2 * * ? *)' },
    businessTimezone: 'UTC',
  },
  storage: {
    disposable: false,
    noncurrentVersionExpirationDays: 30,
    bronzeTransitionDays: 90,
    silverDatabase: 'db_silver',
    tables: { journey: 'journey_control', congregado: 'congregado_data', watermark: 'watermark' },
    athenaWorkgroup: 'medallion',
  },
};
