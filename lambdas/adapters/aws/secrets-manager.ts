// SecretProvider over AWS Secrets Manager, cached per Lambda container so a run fetches each token once.
import { GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretProvider } from '../../ports/secrets.js';
import { SecretNotFoundError } from '../../ports/errors.js';

export interface SecretsManagerSecretProviderOptions {
  /** How long a fetched value is reused [5 minutes]: rotation reaches a warm container within this time. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * A secret is either the token itself (SecretString) or a JSON object with a `token` field, which is how
 * the console's "key/value" secrets are stored.
 */
export class SecretsManagerSecretProvider implements SecretProvider {
  private readonly cache = new Map<string, { value: Promise<string>; expires: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    options: SecretsManagerSecretProviderOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  getSecret(name: string): Promise<string> {
    const hit = this.cache.get(name);
    if (hit && hit.expires > this.now()) return hit.value;
    const value = this.fetch(name);
    this.cache.set(name, { value, expires: this.now() + this.ttlMs });
    // A failed fetch must not be cached: the next call tries again.
    value.catch(() => this.cache.delete(name));
    return value;
  }

  private async fetch(name: string): Promise<string> {
    let secret: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      secret = out.SecretString;
    } catch (err) {
      if (err instanceof ResourceNotFoundException)
        throw new SecretNotFoundError(
          name,
          'AWS Secrets Manager',
          "create it (aws secretsmanager create-secret --name ... --secret-string <token>) in the stack's region",
        );
      throw err;
    }
    if (secret === undefined || secret === '')
      throw new SecretNotFoundError(
        name,
        'AWS Secrets Manager',
        'the secret has no SecretString; store the token as text or as {"token": "..."}',
      );
    if (secret.trimStart().startsWith('{')) {
      try {
        const parsed = JSON.parse(secret) as { token?: unknown };
        if (typeof parsed.token === 'string') return parsed.token;
      } catch {
        // Not JSON after all: the text itself is the token.
      }
    }
    return secret;
  }
}
