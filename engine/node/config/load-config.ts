/**
 * Reads a YAML configuration file and validates it. Every problem is reported with its path
 * (`config.invalid`), a YAML syntax error with its line and column (`config.yaml_invalid`); nothing is
 * returned half-valid.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { EngineError } from '../../core/errors';
import { validateConfig, type EngineConfig, type ResolvedStrategy } from '../../runtime/config';
import { errnoCode } from '../errno';

export interface LoadedConfig {
  path: string | null;
  raw: unknown;
  config: EngineConfig;
  strategies: ResolvedStrategy[];
}

/** Parses YAML text (the file name is for messages only). */
export function parseConfigYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`;
    });
    throw new EngineError('config.yaml_invalid', `configuration is not valid YAML:\n  ${lines.join('\n  ')}`, lines);
  }
  return doc.toJS() ?? {};
}

export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (errnoCode(e) ?? '');
    if (code === 'ENOENT') throw new EngineError('config.file_not_found', `${path}: no such file`);
    throw new EngineError('config.read_failed', `${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const raw = parseConfigYaml(text, path);
  const { config, strategies } = validateConfig(raw);
  return { path, raw, config, strategies };
}
