// The replay and migration forms as requests: text fields to sequences, times and id lists, with the mistakes
// a form can catch before the server does (the server checks everything again and says what it refused).
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  LegacyTableSchema,
  MigrateLegacyRequestSchema,
  ReplayRequestSchema,
  type MigrateLegacyRequest,
  type ReplayRequest,
} from "../../gen/fitcoach/ops/v1/ops_service_pb.js";

export interface ReplayForm {
  fromSequence: string;
  /** A datetime-local value (the operator's own time zone). */
  fromTime: string;
  toSequence: string;
  toTime: string;
  /** Ids separated by commas, spaces or new lines. */
  userIds: string;
  activityIds: string;
  failedOnly: boolean;
  olderVersionOnly: boolean;
  force: boolean;
}

export const EMPTY_REPLAY_FORM: ReplayForm = {
  fromSequence: "",
  fromTime: "",
  toSequence: "",
  toTime: "",
  userIds: "",
  activityIds: "",
  failedOnly: false,
  olderVersionOnly: false,
  force: false,
};

export interface MigrationForm {
  legacyDsn: string;
  table: string;
  /** Folder that relative fit_file_path values are relative to. */
  filesRoot: string;
  fromDir: string;
  fromDirUserId: string;
  /** `legacy_user_id,user_id` lines. */
  userMapCsv: string;
  noAnalyze: boolean;
  writeBack: boolean;
}

export const EMPTY_MIGRATION_FORM: MigrationForm = {
  legacyDsn: "",
  table: "",
  filesRoot: "",
  fromDir: "",
  fromDirUserId: "",
  userMapCsv: "",
  noAnalyze: false,
  writeBack: false,
};

/** What is wrong with a form, as a field and a message key under `ops.problems`. */
export interface FormProblem<F> {
  field: keyof F & string;
  problem: "notASequence" | "notATime" | "endBeforeStart" | "noSource" | "folderNeedsOwner";
}

export type Built<R, F> = { request: R; problem?: undefined } | { request?: undefined; problem: FormProblem<F> };

/** Ids from free text: split on commas and white space, blanks dropped, each once in the order given. */
export function parseIdList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
}

function sequence(text: string): bigint | null | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return /^\d{1,19}$/.test(trimmed) ? BigInt(trimmed) : null;
}

function localTime(text: string): Date | null | undefined {
  if (!text.trim()) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function replayRequest(form: ReplayForm, dryRun: boolean): Built<ReplayRequest, ReplayForm> {
  const fromSequence = sequence(form.fromSequence);
  const toSequence = sequence(form.toSequence);
  const fromTime = localTime(form.fromTime);
  const toTime = localTime(form.toTime);
  if (fromSequence === null) return { problem: { field: "fromSequence", problem: "notASequence" } };
  if (toSequence === null) return { problem: { field: "toSequence", problem: "notASequence" } };
  if (fromTime === null) return { problem: { field: "fromTime", problem: "notATime" } };
  if (toTime === null) return { problem: { field: "toTime", problem: "notATime" } };
  if (fromSequence !== undefined && toSequence !== undefined && toSequence < fromSequence) {
    return { problem: { field: "toSequence", problem: "endBeforeStart" } };
  }
  if (fromTime && toTime && toTime < fromTime) return { problem: { field: "toTime", problem: "endBeforeStart" } };
  return {
    request: create(ReplayRequestSchema, {
      startSequence: fromSequence ?? 0n,
      // The server ignores a time when the sequence is set: send only what the operator meant.
      startTime: fromSequence === undefined && fromTime ? timestampFromDate(fromTime) : undefined,
      endSequence: toSequence ?? 0n,
      endTime: toSequence === undefined && toTime ? timestampFromDate(toTime) : undefined,
      userIds: parseIdList(form.userIds),
      activityIds: parseIdList(form.activityIds),
      failedOnly: form.failedOnly,
      olderVersionOnly: form.olderVersionOnly,
      force: form.force,
      dryRun,
    }),
  };
}

export function migrationRequest(form: MigrationForm, dryRun: boolean): Built<MigrateLegacyRequest, MigrationForm> {
  const legacyDsn = form.legacyDsn.trim();
  const fromDir = form.fromDir.trim();
  if (!legacyDsn && !fromDir) return { problem: { field: "legacyDsn", problem: "noSource" } };
  if (fromDir && !form.fromDirUserId.trim()) return { problem: { field: "fromDirUserId", problem: "folderNeedsOwner" } };
  const table = form.table.trim();
  return {
    request: create(MigrateLegacyRequestSchema, {
      legacyDsn,
      // The original design's table and columns unless another table is named (columns: fitctl admin migrate).
      tables: legacyDsn && table ? [create(LegacyTableSchema, { name: table })] : [],
      filesRoot: form.filesRoot.trim(),
      fromDir,
      fromDirUserId: fromDir ? form.fromDirUserId.trim() : "",
      userMapCsv: form.userMapCsv.trim(),
      noAnalyze: form.noAnalyze,
      writeBack: form.writeBack,
      dryRun,
    }),
  };
}
