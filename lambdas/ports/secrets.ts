// The SecretProvider port: API tokens by name (Secrets Manager in AWS, environment variables locally).

export interface SecretProvider {
  /** The secret's value; throws SecretNotFoundError when there is none by that name. */
  getSecret(name: string): Promise<string>;
}
