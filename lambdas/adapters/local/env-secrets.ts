// SecretProvider over environment variables, for local runs: never for tokens in a deployed Lambda.
import type { SecretProvider } from '../../ports/secrets.js';
import { SecretNotFoundError } from '../../ports/errors.js';

/** `medallion/demo-api-token` -> `MEDALLION_DEMO_API_TOKEN`: secret names are paths, variable names are not. */
export function secretEnvName(secretName: string): string {
  return secretName
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

export class EnvSecretProvider implements SecretProvider {
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  async getSecret(name: string): Promise<string> {
    // The exact name first, so a config may name a variable directly (authSecretName: "API_TOKEN").
    const value = this.env[name] ?? this.env[secretEnvName(name)];
    if (value === undefined || value === '')
      throw new SecretNotFoundError(name, 'the environment', `set ${secretEnvName(name)} (or "${name}") to the token before the local run`);
    return value;
  }
}
