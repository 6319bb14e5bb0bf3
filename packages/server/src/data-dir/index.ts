/** data-dir: the data directory and everything in it readable by Witness's own user only. */
export { makeDataDirPrivate, PRIVATE_UMASK, type PrivateDataDirResult } from './private-data-dir.js';
