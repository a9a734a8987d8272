/** Time adapter: the clock, timestamp normalisation, local-day conversion, trading sessions. */
export { formatUtc, systemClock, type Clock } from './clock.ts';
export { normalizeTimestamp, type NormalizeOptions } from './normalize.ts';
export { localMsOfDayToUtc, localDayConverter, type LocalDayConverter } from './local-day.ts';
export { tradingSessions, SESSION_SPECS, type SessionName, type TradingSessions } from './sessions.ts';
export { formatInZone, resolveZone } from './zone.ts';
export { CorrectedClock, isCorrectableClock, isStampingClock, stampOf, type ClockStamp, type CorrectableClock, type StampingClock } from './clock.ts';
export { judgeDrift, type DriftInput, type DriftThresholds, type DriftVerdict } from './drift.ts';
export {
  buildRequest, judgeReply, measureOffset, msToNtp, ntpToMs, offsetAndDelay, parsePacket, querySntp,
  type Measurement, type NtpPacket, type NtpServer, type NtpTimestamp, type SntpSample,
} from './sntp.ts';
