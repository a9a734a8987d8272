/** Replay file formats: detection, reading, and the row/file contracts. See docs/formats.md. */
export { readReplayFile, FORMAT_PARSERS } from './read-replay-file.ts';
export { detectFormat } from './detect-format.ts';
export {
  FORMAT_NAMES,
  isFormatName,
  type FormatName,
  type FormatInput,
  type FormatParser,
  type ParsedFormat,
  type ParsedRow,
  type ReadReplayOptions,
  type ReplayFile,
} from './replay-file.ts';
export { SYMBOL_PATTERN, SYMBOL_MAX_LENGTH, isValidSymbol } from './symbol.ts';
export { symbolFromFileName, freqtradeFileInfo, leanFileInfo, type LeanFileInfo } from './file-names.ts';
export { inferTimeframe } from './infer-timeframe.ts';
export { LEAN_EQUITY_PRICE_SCALE } from './lean-trade-tick.ts';
