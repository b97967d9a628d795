import { describe, expect, it } from 'vitest';
import { parsePipelineConfig, PipelineConfigError, serviceName } from '../../lambdas/core/config.js';
import { configError } from '../support/configs.js';
import { defaultPipelineConfig } from '../../lambdas/core/default-config.js';

function clone<T>(v: T): T {
  return structuredClone(v);
}

describe('pipeline config', () => {
  it('accepts the default config and fills defaults', () => {
    const config = parsePipelineConfig(defaultPipelineConfig);
    expect(config.sources.map((s) => s.name)).toEqual(['sor', 'sot', 'clientes', 'cotacoes', 'animais']);
    const [gold] = config.consolidations;
    expect(gold?.database).toBe('db_batch');
    expect(gold?.tabela_consolidada).toBe('tbl_processado_operacao_consolidada_n1');
    expect(gold?.chaves_principais).toEqual(['num_oper', 'cod_idef_ver_oper']);
    expect(gold?.campos_decisao.map((d) => d.campo)).toEqual(['dat_vlr_even_oper', 'num_prio_even_oper', 'dat_recm_even_oper']);
    expect(gold?.origens).toEqual(['sor', 'sot']);
    expect(config.storage.tables).toEqual({
      journey: 'journey_control',
      congregado: 'congregado_data',
      watermark: 'watermark',
      partitions: 'partition_versions',
    });
    expect(config.limits.retry.maxAttempts).toBeGreaterThan(1);
  });

  it('names the service of logs and metrics after the stage and the name prefix', () => {
    const config = parsePipelineConfig(defaultPipelineConfig);
    expect(serviceName(config)).toBe('medallion-dev');
    expect(serviceName({ ...config, stage: 'pre_prod', storage: { ...config.storage, namePrefix: 'acme_data' } })).toBe(
      'acme-data-medallion-pre-prod',
    );
  });

  it('turns a bare decision field name into a descending decision', () => {
    const raw = clone(defaultPipelineConfig);
    raw.consolidations![0]!.campos_decisao = ['dat_vlr_even_oper'];
    expect(parsePipelineConfig(raw).consolidations[0]?.campos_decisao).toEqual([{ campo: 'dat_vlr_even_oper', direcao: 'desc' }]);
  });

  it('lists every wrong field with its path and reason', () => {
    const raw = clone(defaultPipelineConfig) as any;
    raw.sources[0].fields[0].type = 'varchar';
    raw.sources[1].watermarkField = 'nope';
    raw.consolidations[0].origens = ['sor', 'missing_source'];
    raw.consolidations[0].chaves_principais = ['num_oper', 'not_a_field'];
    raw.schedules.businessTimezone = 'Mars/Olympus';
    const error = configError(raw);
    const paths = error.issues.map((i) => i.path);
    expect(paths).toContain('sources[0].fields[0].type');
    expect(paths).toContain('sources[1].watermarkField');
    expect(paths).toContain('consolidations[0].origens[1]');
    expect(paths).toContain('consolidations[0].chaves_principais[1]');
    expect(paths).toContain('schedules.businessTimezone');
    const message = error.message;
    expect(message).toMatch(/sources\[1\]\.watermarkField: "nope" is not a field of source "sot"/);
    expect(message).toMatch(/consolidations\[0\]\.origens\[1\]: "missing_source" is not a declared source/);
  });

  it('rejects unknown keys, so a typo does not pass silently', () => {
    const raw = clone(defaultPipelineConfig) as any;
    raw.limits = { sourceConcurency: 3 };
    expect(() => parsePipelineConfig(raw)).toThrow(/limits: Unrecognized key.*sourceConcurency/);
  });

  it('requires a precision on decimal fields and an http block on http sources', () => {
    const raw = clone(defaultPipelineConfig) as any;
    delete raw.sources[0].fields[5].precision;
    delete raw.sources[2].http;
    const err = configError(raw);
    expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['sources[0].fields[5].precision', 'sources[2].http']));
  });

  it('takes a numeric format on timestamp fields only, naming the field of any other type', () => {
    const raw = clone(defaultPipelineConfig) as any;
    raw.sources[0].fields[0].format = 'epoch_millis';
    raw.sources[0].fields[2].format = 'epoch_seconds';
    expect(raw.sources[0].fields[2].type).toBe('timestamp');
    let issues: PipelineConfigError['issues'] = [];
    expect(() => {
      try {
        parsePipelineConfig(raw);
      } catch (e) {
        issues = (e as PipelineConfigError).issues;
        throw e;
      }
    }).toThrow(PipelineConfigError);
    expect(issues).toContainEqual({ path: 'sources[0].fields[0].format', message: 'format applies only to timestamp fields, not string' });
    expect(issues.filter((i) => i.path.endsWith('fields[2].format'))).toEqual([]);
  });

  it('refuses an http:// endpoint that would carry the token in clear text, naming the field, and takes one on the loopback', () => {
    const raw = clone(defaultPipelineConfig) as any;
    raw.sources[0].http.endpoint = 'http://api.example.com/sor/operacoes';
    raw.sources[3].http.endpoint = 'http://api.example.com/cotacoes';
    const err = configError(raw);
    // cotacoes sends no token: plain http:// is its own business.
    expect(err.issues).toEqual([
      {
        path: 'sources[0].http.endpoint',
        message: expect.stringMatching(
          /^http:\/\/api\.example\.com\/sor\/operacoes is plain http:\/\/ but authSecretName sends a token .*use https:\/\//,
        ),
      },
    ]);
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9000']) {
      raw.sources[0].http.endpoint = `http://${host}/sor/operacoes`;
      expect(parsePipelineConfig(raw).sources[0]!.http!.endpoint).toBe(`http://${host}/sor/operacoes`);
    }
    raw.sources[0].http.endpoint = 'http://127.0.0.1.evil.example/sor';
    expect(() => parsePipelineConfig(raw)).toThrow(/sources\[0\]\.http\.endpoint: .* is plain http:\/\//);
  });
});
