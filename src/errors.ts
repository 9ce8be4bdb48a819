// The one base class of the error classes the data, model, runtime, training and evaluation layers
// define. Each subclass keeps its own name and message and adds `code`: a stable string that names
// the failure, so code that reacts to one kind of failure checks `instanceof` or `code` rather than
// a class name (minifiers rename classes) or the wording of a message (which is for people).
// Codes look like '<layer>-<what>' ('data-gzip', 'model-config', 'pack-corrupt', ...), with two older
// families kept as they were: a model CheckpointError's code names its problem ('shape', 'missing',
// ...; the CLI prints it), and a worker error's code is the protocol's ErrorCode ('UnknownUser', ...).
// No code is shared by two classes. This file imports nothing, so every layer can use it.

export abstract class PeapodError extends Error {
  /** Names the failure; never reworded once released. */
  abstract readonly code: string;
}

/** The code of a PeapodError; null for anything else (a foreign error, a thrown string, ...). */
export function errorCode(e: unknown): string | null {
  return e instanceof PeapodError ? e.code : null;
}
