export { type DownloadOptions, type DownloadResult, download, hashUrl, parseUrl } from './download.js';
export { FetchError, type FetchErrorCode } from './fetch-error.js';
