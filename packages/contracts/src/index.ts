// Shared API shapes between server and web. Each zod schema and its type share one name.
export * from './enums.ts';
export * from './regions.ts';
export * from './registry.ts';
export * from './imports.ts';
export * from './citizen-id.ts';
export * from './projects.ts';
