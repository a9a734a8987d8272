/**
 * Row types of every table, as Kysely sees them. Column names are snake_case, as in SQL; the
 * repositories map them to the camelCase domain types in actors/domain/messages.ts.
 *
 * POLICY: BIGINT columns are JS numbers. database.ts installs a pg type parser for int8 that
 * refuses values outside the safe-integer range, because these columns hold epoch milliseconds
 * and stream sequences, which stay far below 2^53.
 *
 * JSONB columns are written as JSON text (the repositories `JSON.stringify` them) because pg
 * would turn a top-level JS array into a Postgres array literal, not JSON.
 */
import type { ColumnType, Insertable, Kysely, Selectable } from 'kysely';

/** A JSONB column: read as the parsed value, written as JSON text. */
export type Json<T> = ColumnType<T, string, string>;

/** A `timestamptz default now()` column: read as a Date, never written by the application. */
export type CreatedAt = ColumnType<Date, never, never>;

/**
 * A `timestamptz default now()` column that upserts refresh with the database's `now()` (the
 * update type allows an expression; no application clock is ever written).
 */
export type UpdatedAt = ColumnType<Date, never, Date>;

export interface RawEventsTable {
  /** the RAW stream sequence: the order of the hash chain */
  seq: number;
  /** the envelope id (its Nats-Msg-Id) */
  id: string;
  source: string;
  symbol: string;
  kind: string;
  event_ts: number;
  received_at: number;
  envelope: Json<unknown>;
  content_sha256: string;
  prev_sha256: string;
  row_sha256: string;
  stored_at: CreatedAt;
}

export interface BarsTable {
  id: string;
  symbol: string;
  timeframe: string;
  open_time: number;
  close_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  count: number;
}

export interface ScoresTable {
  id: string;
  symbol: string;
  timeframe: string;
  open_time: number;
  score: number;
  direction: string | null;
  components: Json<Record<string, number>>;
  features: Json<unknown>;
  /** the governed config version it was scored with (docs/config.md); null before governance */
  config_version: ColumnType<number | null, number | null | undefined, never>;
}

export interface SignalsTable {
  id: string;
  symbol: string;
  timeframe: string;
  open_time: number;
  direction: string;
  score: number;
  entry: number;
  stop: number;
  target: number;
  features: Json<unknown>;
  created_at: CreatedAt;
  config_version: ColumnType<number | null, number | null | undefined, never>;
  /** `features.regime` as columns (0007); null on rows written before regime tagging */
  session: ColumnType<string | null, string | null | undefined, never>;
  volatility_regime: ColumnType<string | null, string | null | undefined, never>;
  trend_regime: ColumnType<string | null, string | null | undefined, never>;
}

export interface StageCheckpointsTable {
  stage: string;
  last_seq: number;
  state: Json<unknown>;
  updated_at: UpdatedAt;
}

/** One keyed part of a stage's checkpoint (migration 0009): a series of the feature engine or the bar builder. */
export interface StageCheckpointPartsTable {
  stage: string;
  key: string;
  /** the order the stage first saw the key in: parts are joined back in this order */
  ord: number;
  state: Json<unknown>;
  updated_at: UpdatedAt;
}

export interface IngestProgressTable {
  /** sha256 hex of the file bytes: the same file under another name resumes where it stopped */
  file_key: string;
  file_name: string;
  lines_done: number;
  published: number;
  bad_rows: number;
  done: boolean;
  updated_at: UpdatedAt;
}

/** The gateway's orders: one per signal and leg, keyed by the client order id `<signal id>:<leg>`. */
export interface OrdersTable {
  client_order_id: string;
  signal_id: string;
  leg: string;
  symbol: string;
  side: string;
  qty: number;
  status: string;
  /** the signal's entry (entry leg) or the exit trigger price (exit leg) */
  decision_price: number;
  /** the cost model's totalBps predicted before sending */
  modelled_slippage_bps: number;
  /** the full modelled breakdown (SlippageBreakdown) */
  modelled: Json<unknown>;
  /** the cost-model and sizing parameters in force when it was decided */
  config: Json<unknown>;
  created_at: number;
  updated_at: number;
  config_version: ColumnType<number | null, number | null | undefined, never>;
}

/** The gateway's fills: id `<client order id>:fill`. */
export interface FillsTable {
  fill_id: string;
  client_order_id: string;
  signal_id: string;
  leg: string;
  symbol: string;
  side: string;
  qty: number;
  price: number;
  fees: number;
  filled_at: number;
  /** predicted before sending (orders.modelled_slippage_bps), for the slippage monitor */
  modelled_bps: number;
  /** fill vs decision price, adverse > 0; null when the decision price is unknown */
  realised_bps: number | null;
  detail: Json<unknown>;
  config_version: ColumnType<number | null, number | null | undefined, never>;
}

export interface PositionsTable {
  /** the signal id */
  id: string;
  symbol: string;
  direction: string;
  status: string;
  qty: number;
  entry_price: number;
  opened_at: number;
  closed_at: number | null;
  exit_price: number | null;
  pnl: number | null;
  r: number | null;
  /** PositionSnapshot: restores the Position */
  snapshot: Json<unknown>;
  updated_at: UpdatedAt;
}

/** The paper broker's book (what the venue holds), with the fill of each filled order. */
export interface BrokerOrdersTable {
  client_order_id: string;
  symbol: string;
  venue: string;
  side: string;
  qty: number;
  status: string;
  placed_at: number;
  hints: Json<unknown>;
  /** the fill cursor, from the broker_fill_seq sequence; null until filled */
  fill_seq: number | null;
  fill: Json<unknown> | null;
  updated_at: UpdatedAt;
}

export interface BrokerStateTable {
  broker: string;
  state: Json<unknown>;
  updated_at: UpdatedAt;
}

/** The whole database, for `Kysely<Schema>`. */
export interface UsersTable {
  name: string;
  /** one of ROLES (actors/auth/roles.ts); a CHECK constraint holds the list */
  role: string;
  /** `scrypt$N$r$p$salt$hash` (actors/auth/password.ts); null: this user has no password */
  password_hash: string | null;
  /** epoch ms, from the injected clock */
  created_at: number;
}

export interface TotpEnrolmentsTable {
  user_name: string;
  /** the base32 TOTP shared secret: a secret (docs/security.md); every read is audited */
  secret: string;
  enrolled_at: number;
}

export interface AuthStateTable {
  user_name: string;
  /** the TOTP time step of the last accepted code; codes at or before it are refused as reused */
  last_used_step: number | null;
  /** epoch ms of the failures that still count towards a lock */
  failures: Json<number[]>;
  /** epoch ms until which approvals are refused; null when not locked */
  locked_until: number | null;
}

/** One audit entry, hash-chained in seq order like raw_events (audit-log.repo.ts). */
export interface AuditLogTable {
  seq: number;
  /** epoch ms, from the injected clock */
  at: number;
  /** who: a user name, or `cli:<os user>` for an operator at the command line */
  actor: string;
  /** what, e.g. `approval.granted`, `approval.refused`, `secret.read`, `user.added` */
  action: string;
  /** what it was about, e.g. an order id or `user:alice` */
  subject: string | null;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
  details: Json<Record<string, unknown>>;
  content_sha256: string;
  prev_sha256: string;
  row_sha256: string;
  stored_at: CreatedAt;
}

/** The whole database, for `Kysely<Schema>`. */
/** A signal's liquidity tag, by the liquidity monitor (migration 0004). */
export interface SignalLiquidityTable {
  signal_id: string;
  symbol: string;
  timeframe: string;
  open_time: number;
  low: boolean;
  /** `off_session` and/or `thin_volume` */
  reasons: Json<string[]>;
  volume: number | null;
  threshold: number | null;
}

/** One monitor's current state: its machine state and the figure it last judged. */
export interface MonitorStatesTable {
  monitor: string;
  state: string;
  value: number | null;
  threshold: number;
  since: number | null;
  figures: Json<Record<string, number>>;
  updated_at: UpdatedAt;
}

/** Where the integrity auditor resumes (actors/integrity/): last verified RAW seq and the chain tail there. */
export interface IntegrityProgressTable {
  scope: string;
  last_seq: number;
  row_sha256: string;
  /** epoch ms, from the injected clock */
  verified_at: number;
  updated_at: UpdatedAt;
}

/** One applied governed-config version (mirror of the KV bucket `config`), append-only. */
export interface ConfigVersionsTable {
  version: number;
  params: Json<Record<string, number>>;
  applied_at: number;
  applied_by: string;
  proposal_id: string | null;
  kv_revision: number;
}

/** A proposed config change and its machine state (machines/config.machine.ts). */
export interface ConfigProposalsTable {
  id: string;
  proposed_by: string;
  proposed_at: number;
  expires_at: number;
  reason: string;
  base_version: number;
  changes: Json<Record<string, number>>;
  before: Json<Record<string, number>>;
  after: Json<Record<string, number>>;
  state: string;
  context: Json<unknown>;
  applied_version: number | null;
  updated_at: number;
}

/** A dashboard session (migration 0008); only the sha256 of its id is stored. */
export interface DashboardSessionsTable {
  id_sha256: string;
  user_name: string;
  /** epoch ms, from the injected clock */
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  remote: string | null;
}

export interface Schema {
  raw_events: RawEventsTable;
  bars: BarsTable;
  scores: ScoresTable;
  signals: SignalsTable;
  stage_checkpoints: StageCheckpointsTable;
  stage_checkpoint_parts: StageCheckpointPartsTable;
  ingest_progress: IngestProgressTable;
  orders: OrdersTable;
  fills: FillsTable;
  positions: PositionsTable;
  broker_orders: BrokerOrdersTable;
  broker_state: BrokerStateTable;
  users: UsersTable;
  totp_enrolments: TotpEnrolmentsTable;
  auth_state: AuthStateTable;
  audit_log: AuditLogTable;
  signal_liquidity: SignalLiquidityTable;
  monitor_states: MonitorStatesTable;
  integrity_progress: IntegrityProgressTable;
  config_versions: ConfigVersionsTable;
  config_proposals: ConfigProposalsTable;
  dashboard_sessions: DashboardSessionsTable;
}

export type RawEventRow = Selectable<RawEventsTable>;
export type NewRawEventRow = Insertable<RawEventsTable>;
export type BarRow = Selectable<BarsTable>;
export type ScoreRow = Selectable<ScoresTable>;
export type SignalRow = Selectable<SignalsTable>;
export type StageCheckpointRow = Selectable<StageCheckpointsTable>;
export type IngestProgressRow = Selectable<IngestProgressTable>;

/**
 * What every repository function takes: the Kysely instance or a transaction (a `Transaction`
 * is a `Kysely`, so both fit), so a caller can group several repository calls atomically.
 */
export type Db = Kysely<Schema>;
export type UserRow = Selectable<UsersTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
