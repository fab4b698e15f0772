/** Command-line commands of the monitoring module. */
import type { Command } from 'commander';

export function registerMonitoringCommand(_program: Command): void {
  // commands are added here
}
