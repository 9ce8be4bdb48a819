// Typed errors of the data layer. Every failure a user can hit while reading a dataset has its own
// class, and every message names the file (and line when there is one), says what is wrong and what
// to do. Browser-safe: no Node imports here.
import { PeapodError } from '../errors.ts';

export interface DatasetErrorDetails {
  /** File (or folder / URL) the problem was found in. */
  file: string;
  /** 1-based line number, when the problem belongs to one line. */
  line?: number;
  /** What to do about it. */
  hint: string;
}

/** Base class: catch this to handle any data problem. */
export class DatasetError extends PeapodError {
  override name = 'DatasetError';
  override readonly code: string = 'data-error';
  readonly file: string;
  readonly line: number | undefined;
  readonly hint: string;
  /** The bare problem, without location and hint (the full sentence is in `message`). */
  readonly problem: string;

  constructor(problem: string, details: DatasetErrorDetails) {
    const where = details.line !== undefined ? `${details.file}:${details.line}` : details.file;
    super(`${where}: ${problem}. ${details.hint}`);
    this.file = details.file;
    this.line = details.line;
    this.hint = details.hint;
    this.problem = problem;
  }
}

/** A line or record does not have the expected shape (wrong token, too few fields, bad JSON...). */
export class DatasetFormatError extends DatasetError {
  override name = 'DatasetFormatError';
  override readonly code = 'data-format';
}

/** An id is not an integer, or lies outside the range the dataset declares. */
export class InvalidIdError extends DatasetError {
  override name = 'InvalidIdError';
  override readonly code = 'data-invalid-id';
}

/** The same user has two lines (or two blocks) in a file that must list each user once. */
export class DuplicateUserError extends DatasetError {
  override name = 'DuplicateUserError';
  override readonly code = 'data-duplicate-user';
}

/** The same record appears twice (e.g. one user rating one movie twice). */
export class DuplicateRecordError extends DatasetError {
  override name = 'DuplicateRecordError';
  override readonly code = 'data-duplicate-record';
}

/** The file holds no data at all. */
export class EmptyFileError extends DatasetError {
  override name = 'EmptyFileError';
  override readonly code = 'data-empty-file';
}

/** The file stops in the middle of a line or record: the copy is incomplete. */
export class TruncatedFileError extends DatasetError {
  override name = 'TruncatedFileError';
  override readonly code = 'data-truncated-file';
}

/** The bytes are not UTF-8 text (invalid sequences, or a UTF-16 byte-order mark). */
export class EncodingError extends DatasetError {
  override name = 'EncodingError';
  override readonly code = 'data-encoding';
}

/** A .gz file is not valid gzip, or is cut short. */
export class GzipError extends DatasetError {
  override name = 'GzipError';
  override readonly code = 'data-gzip';
}

/** A dataset folder or one of its required files does not exist. */
export class MissingDatasetError extends DatasetError {
  override name = 'MissingDatasetError';
  override readonly code = 'data-missing-dataset';
}

/** Two files of one dataset disagree (e.g. an item id in the sequences has no entry in the map). */
export class InconsistentDatasetError extends DatasetError {
  override name = 'InconsistentDatasetError';
  override readonly code = 'data-inconsistent';
}

/** Downloaded (or local) bytes do not have the SHA-256 / size the source table promises. */
export class ChecksumMismatchError extends DatasetError {
  override name = 'ChecksumMismatchError';
  override readonly code = 'data-checksum-mismatch';
}

/** A download failed (HTTP status, network error). */
export class DownloadError extends DatasetError {
  override name = 'DownloadError';
  override readonly code = 'data-download';
}

/** A split or sampler was asked for something the data cannot give (e.g. sequence too short). */
export class SplitError extends DatasetError {
  override name = 'SplitError';
  override readonly code = 'data-split';
}
