/** Backup and restore of a node: store snapshot, audit log, keys (docs/backup.md). */
export { backupRoutes } from './backup-routes.js';
export { type BackupSources, createBackup } from './create-backup.js';
export { type BackupManifest, MANIFEST_FILE } from './manifest.js';
export { type RestoreReport, restoreBackup } from './restore-backup.js';
