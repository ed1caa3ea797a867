/**
 * A strict checker of JSON values against the definitions of the v20 OpenAPI (Swagger 2.0) spec
 * (../shared/reference/oanda-v20/v20.json): every property must be declared by its definition, with
 * the declared JSON type (string, integer, number, boolean, object, array), within its enum, and
 * nested objects are checked against their $ref. The polymorphic Transaction and Order are checked
 * against the definition their `type` names (MARKET_ORDER → MarketOrderTransaction, LIMIT →
 * LimitOrder, HEARTBEAT → TransactionHeartbeat …). Used by spec-conformance.test.ts when the spec file
 * is present beside the project.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Schema {
  type?: string;
  $ref?: string;
  enum?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}

export const SPEC_PATH = fileURLToPath(new URL('../../../../shared/reference/oanda-v20/v20.json', import.meta.url));

export interface Spec {
  definitions: Record<string, Schema>;
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; schema?: Schema }> }>>;
  responses: Record<string, { schema?: Schema }>;
}

export function loadSpec(): Spec | null {
  if (!existsSync(SPEC_PATH)) return null;
  return JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
}

/** Checks a response body against the schema the spec gives `method path` for `status`. */
export function checkResponse(spec: Spec, method: string, path: string, status: number, body: unknown): string[] {
  const op = spec.paths[path]?.[method.toLowerCase()];
  if (!op) return [`no operation ${method} ${path} in the spec`];
  let r = op.responses[String(status)];
  if (!r) return [`${method} ${path}: status ${status} is not in the spec`];
  if (r.$ref) r = spec.responses[r.$ref.split('/').pop()!] ?? {};
  if (!r.schema) return [];
  return checkSchema(spec.definitions, r.schema, body, '$', `${method} ${path} ${status}`);
}

function camel(upper: string): string {
  return upper
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

const TXN_SPECIAL: Record<string, string> = {
  ORDER_FILL: 'OrderFillTransaction',
  ORDER_CANCEL: 'OrderCancelTransaction',
  ORDER_CANCEL_REJECT: 'OrderCancelRejectTransaction',
  HEARTBEAT: 'TransactionHeartbeat',
};

/** The definition a polymorphic value's `type` selects. */
function concrete(def: string, value: Record<string, unknown>): string {
  const type = typeof value.type === 'string' ? value.type : '';
  if (def === 'Transaction') return TXN_SPECIAL[type] ?? `${camel(type)}Transaction`;
  if (def === 'Order') return `${camel(type)}Order`;
  return def;
}

export function checkAgainst(defs: Record<string, Schema>, defName: string, value: unknown, path = '$'): string[] {
  const name = isObject(value) ? concrete(defName, value) : defName;
  const def = defs[name];
  if (!def) return [`${path}: no definition ${name} in the spec`];
  return checkSchema(defs, def, value, path, name);
}

function checkSchema(defs: Record<string, Schema>, schema: Schema, value: unknown, path: string, name = ''): string[] {
  if (schema.$ref) {
    return checkAgainst(defs, schema.$ref.split('/').pop()!, value, path);
  }
  const out: string[] = [];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected string, got ${JSON.stringify(value)}`];
      if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: ${value} not in enum of ${name || 'field'}`);
      return out;
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: expected integer, got ${JSON.stringify(value)}`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: expected number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected boolean, got ${JSON.stringify(value)}`];
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected array`];
      return value.flatMap((v, i) => (schema.items ? checkSchema(defs, schema.items, v, `${path}[${i}]`) : []));
    case 'object':
    case undefined: {
      if (!isObject(value)) return [`${path}: expected object, got ${JSON.stringify(value)}`];
      const props = schema.properties ?? {};
      for (const [k, v] of Object.entries(value)) {
        const p = props[k];
        if (!p) out.push(`${path}.${k}: not declared by ${name || 'the schema'}`);
        else out.push(...checkSchema(defs, p, v, `${path}.${k}`, k));
      }
      return out;
    }
    default:
      return [`${path}: unsupported schema type ${schema.type}`];
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
