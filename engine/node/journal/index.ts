/** The SQLite journal of the engine process: see journal.ts (durability, what is appended), schema.ts, rebuild.ts. */
export * from './data-dir';
export * from './journal';
export * from './rebuild';
export { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion, type Migration } from './schema';
