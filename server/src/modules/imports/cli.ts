import type { Command } from 'commander';
// Placeholder until the importer lands (being written now).
export function registerImportCommand(_program: Command): void {}
