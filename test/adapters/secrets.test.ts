import { describe, expect, it } from 'vitest';
import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EnvSecretProvider, secretEnvName } from '../../lambdas/adapters/local/env-secrets.js';
import { SecretsManagerSecretProvider } from '../../lambdas/adapters/aws/secrets-manager.js';
import { SecretNotFoundError } from '../../lambdas/ports/errors.js';

describe('secret providers', () => {
  it('reads a token from the environment by the secret name or its variable form, and says what to set', async () => {
    expect(secretEnvName('medallion/demo-api-token')).toBe('MEDALLION_DEMO_API_TOKEN');
    const env = new EnvSecretProvider({ MEDALLION_DEMO_API_TOKEN: 'a', API_TOKEN: 'b' });
    expect(await env.getSecret('medallion/demo-api-token')).toBe('a');
    expect(await env.getSecret('API_TOKEN')).toBe('b');
    await expect(env.getSecret('other/token')).rejects.toThrow(SecretNotFoundError);
    await expect(env.getSecret('other/token')).rejects.toThrow(/set OTHER_TOKEN/);
  });

  it('reads Secrets Manager once per TTL, as text or {"token": ...}, and does not cache a failure', async () => {
    const calls: string[] = [];
    const values: Record<string, string> = { plain: 'tok-1', json: '{"token":"tok-2","user":"x"}' };
    let now = 0;
    const client = {
      send: async (command: GetSecretValueCommand) => {
        const id = command.input.SecretId!;
        calls.push(id);
        if (!(id in values)) throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
        return { SecretString: values[id] };
      },
    } as unknown as SecretsManagerClient;
    const provider = new SecretsManagerSecretProvider(client, { ttlMs: 1_000, now: () => now });
    expect(await provider.getSecret('plain')).toBe('tok-1');
    expect(await provider.getSecret('plain')).toBe('tok-1');
    expect(await provider.getSecret('json')).toBe('tok-2');
    now = 2_000;
    expect(await provider.getSecret('plain')).toBe('tok-1');
    expect(calls).toEqual(['plain', 'json', 'plain']);
    await expect(provider.getSecret('missing')).rejects.toThrow(/Secret "missing" was not found in AWS Secrets Manager/);
    values.missing = 'late';
    expect(await provider.getSecret('missing')).toBe('late');
  });
});
