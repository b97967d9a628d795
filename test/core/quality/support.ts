// The orders source the expectation tests check: one field of each type a rule applies to.
export const ORDER_FIELDS = [
  { name: 'id', type: 'string', required: true },
  { name: 'status', type: 'string' },
  { name: 'amount', type: 'decimal', precision: 10, scale: 2 },
  { name: 'qty', type: 'integer' },
  { name: 'paid', type: 'boolean' },
  { name: 'meta', type: 'json' },
  { name: 'day', type: 'date' },
  { name: 'updated_at', type: 'timestamp', required: true },
];

/** The raw config of one orders files source with these expectations. */
export const ordersConfig = (expectations: unknown) => ({
  sources: [{ name: 'orders', kind: 'files', fields: ORDER_FIELDS, watermarkField: 'updated_at', expectations }],
});
