// Turns anything thrown inside the worker into the protocol's typed, user-facing error: a code,
// a message naming what failed, and what the person can do. One class per protocol ErrorCode.
// Our own errors from the model layer and downloads are told apart by class (instanceof),
// not by name, and their stable code travels along as `causeCode`; only errors of the browser or
// TF.js (lost devices, out of memory) are recognised by their wording. On the page the same classes
// come back from the protocol's code (fromProtocolError), message and action unchanged. No tfjs or
// DOM import here: the app imports this file.
import { errorCode, PeapodError } from '../errors.ts';
import { MissingParamError, ModelPackError, ParamShapeError, TokenizerError } from '../model/errors.ts';
import { PackFetchError } from './fetch-progress.ts';
import type { ErrorCode, ProtocolError } from './protocol.ts';

/** The worker's own failures: their code is the protocol's ErrorCode itself. */
export class WorkerError extends PeapodError {
  /**
   * The stable code of the error behind this one: the code of `cause` when it is one of ours, or
   * (rebuilt on the page, where there is no cause object) the protocol's causeCode; null if neither.
   */
  readonly causeCode: string | null;
  constructor(
    override readonly code: ErrorCode,
    message: string,
    readonly action: string,
    /** `cause`: the error this one reports, whose code then travels as the protocol's causeCode. */
    options?: ErrorOptions & { causeCode?: string },
  ) {
    super(message, options);
    this.name = code;
    this.causeCode = options?.causeCode ?? errorCode(options?.cause);
  }

  /** The plain object the protocol carries (and the store keeps for the banner). */
  toProtocol(): ProtocolError {
    return { code: this.code, message: this.message, action: this.action, ...(this.causeCode === null ? {} : { causeCode: this.causeCode }) };
  }
}

export class UnknownUserError extends WorkerError {
  constructor(query: string, numUsers: number) {
    super('UnknownUser', `No user "${query}" in this pack.`, `Type a dataset user id, #0 … #${numUsers - 1} for a user index, or press Random.`);
  }
}

export class NotReadyError extends WorkerError {
  constructor(what: string) {
    super('NotReady', `The model is not loaded yet, so "${what}" cannot run.`, 'Wait for the progress bar to finish, or reload the page.');
  }
}

export class BadRequestError extends WorkerError {
  constructor(detail: string) {
    super('BadRequest', detail, 'Reset the what-if settings or pick another user.');
  }
}

export class DeviceLostError extends WorkerError {
  constructor(backend: string, detail: string) {
    super('DeviceLost', `The ${backend} device was lost (${detail}).`, 'Switch to another backend in the header (wasm is the safe choice), or reload the page.');
  }
}

export class PackLoadError extends WorkerError {
  constructor(pack: string, detail: string, options?: ErrorOptions) {
    super('PackLoadFailed', `The “${pack}” model pack could not be loaded: ${detail}`, 'Check your connection and reload; if the pack is missing on the server, pick the other pack.', options);
  }
}

// The codes the worker builds from other errors (toProtocolError below) have their own classes too,
// so that the page can tell every failure apart by class once it is rebuilt from the protocol.

/** The pack's own files do not fit the model (bytes, tokenizer, weights); causeCode says which. */
export class PackCorruptError extends WorkerError {
  constructor(message: string, action: string, options?: ErrorOptions & { causeCode?: string }) {
    super('PackCorrupt', message, action, options);
  }
}

/** No backend could start. */
export class BackendUnavailableError extends WorkerError {
  constructor(message: string, action: string, options?: ErrorOptions & { causeCode?: string }) {
    super('BackendUnavailable', message, action, options);
  }
}

/** Anything else: a bug, or a failure of the browser that has no code of its own. */
export class InternalError extends WorkerError {
  constructor(message: string, action: string, options?: ErrorOptions & { causeCode?: string }) {
    super('Internal', message, action, options);
  }
}

/** The class of each protocol ErrorCode. */
const ERROR_CLASSES: Record<ErrorCode, abstract new (...args: never[]) => WorkerError> = {
  UnknownUser: UnknownUserError,
  PackLoadFailed: PackLoadError,
  PackCorrupt: PackCorruptError,
  BackendUnavailable: BackendUnavailableError,
  DeviceLost: DeviceLostError,
  NotReady: NotReadyError,
  BadRequest: BadRequestError,
  Internal: InternalError,
};

/**
 * The typed error of a protocol error, as the page sees it: an instance of the class of its code
 * (UnknownUserError for 'UnknownUser', ...) with the worker's message, action and causeCode as they
 * were. The classes' own constructors compose messages from their arguments, so it is built through
 * WorkerError's constructor with the subclass as new.target; an unknown code gives a plain WorkerError.
 */
export function fromProtocolError(p: ProtocolError): WorkerError {
  const cls = Object.hasOwn(ERROR_CLASSES, p.code) ? ERROR_CLASSES[p.code] : WorkerError;
  const options = p.causeCode === undefined ? undefined : { causeCode: p.causeCode };
  return Reflect.construct(WorkerError, [p.code, p.message, p.action, options], cls) as WorkerError;
}

/** String(x) can itself throw (an object with a throwing toString, or no prototype). */
function describeThrown(x: unknown): string {
  try {
    return String(x);
  } catch {
    return Object.prototype.toString.call(x);
  }
}

/** Failures of the pack's own files: its bytes, its tokenizer or its weights do not fit the model. */
function isBadPack(e: unknown): boolean {
  return e instanceof ModelPackError || e instanceof TokenizerError || e instanceof MissingParamError || e instanceof ParamShapeError;
}

export function toProtocolError(e: unknown, pack = 'current'): ProtocolError {
  if (e instanceof WorkerError) return e.toProtocol();
  const err = e instanceof Error ? e : new Error(describeThrown(e));
  const name = err.name || err.constructor?.name || 'Error';
  // The failure's own code rides along (absent for errors that are not ours).
  const code = errorCode(e);
  const cause = code === null ? {} : { causeCode: code };
  if (e instanceof PackFetchError) return { code: 'PackLoadFailed', message: `The “${pack}” pack could not be downloaded. ${err.message}`, action: 'Check your connection and reload; if the file is missing on the server, pick the other pack.', ...cause };
  // A static server answers a missing file with its index.html (SPA fallback), which then fails to parse.
  if (e instanceof ModelPackError && /<!doctype|Unexpected token '<'/i.test(err.message))
    return { code: 'PackLoadFailed', message: `The “${pack}” pack is not on this server (its manifest.json is missing).`, action: 'Pick the other pack, or export this one with `peapod train --out public/models/<pack>`.', ...cause };
  // A pack opened from disk: nothing to download again; the files or the export are at fault.
  if (pack.startsWith('local:') && isBadPack(e))
    return { code: 'PackCorrupt', message: err.message || `${name} (no details)`, action: 'Open the whole pack folder again (every file it lists); if it persists, write the pack again with `peapod import` or `peapod train`.', ...cause };
  if (isBadPack(e))
    return { code: 'PackCorrupt', message: err.message || `${name} (no details)`, action: 'Reload the page to download the pack again; if it persists the pack must be re-exported.', ...cause };
  // Out of memory on a GPU (or the wasm heap) leaves that backend unusable like a lost device: the
  // app answers both by moving to the next backend with the person's state kept.
  if (/out of memory|\bOOM\b|Array buffer allocation failed|Failed to allocate|WebAssembly\.Memory/i.test(err.message))
    return { code: 'DeviceLost', message: `The model ran out of memory: ${err.message}`, action: 'Switching to the next backend; if it recurs, reload the page or close other tabs.', ...cause };
  if (/device (was )?lost|GPUDevice|context lost|CONTEXT_LOST/i.test(err.message))
    return { code: 'DeviceLost', message: `The GPU device was lost: ${err.message}`, action: 'Switch to the wasm backend in the header, or reload the page.', ...cause };
  return { code: 'Internal', message: `${name}: ${err.message}`, action: 'Reload the page; if it happens again, switch to the wasm backend in the header.', ...cause };
}
