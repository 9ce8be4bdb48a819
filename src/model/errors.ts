// Typed errors of the model layer: one class per failure a user or a caller can hit (WebLLM style).
// Each message names the file / tensor / token concerned, says what is wrong and what to do.
// This module must stay free of tensors and I/O so that every layer (worker, CLI, app) can import it.
// Every class carries a stable `code` (see src/errors.ts); none is shared with another class.
import { PeapodError } from '../errors.ts';

/** Base class: lets callers tell model-layer failures from programming errors with one instanceof. */
export class PeapodModelError extends PeapodError {
  override name = 'PeapodModelError';
  override readonly code: string = 'model-error';
}

// ---- weights (thrown and re-exported by params.ts) ---------------------------------------------

/** A weight the model needs is not in the parameter map. */
export class MissingParamError extends PeapodModelError {
  override name = 'MissingParamError';
  override readonly code = 'model-missing-param';
}

/** A weight is present but has the wrong shape for the config. */
export class ParamShapeError extends PeapodModelError {
  override name = 'ParamShapeError';
  override readonly code = 'model-param-shape';
}

// ---- weight packs -------------------------------------------------------------------------------

/** One per ModelPackError subclass. */
export type PackErrorCode = 'pack-missing-file' | 'pack-truncated' | 'pack-corrupt' | 'pack-mismatch' | 'pack-version' | 'pack-invalid-manifest';

export class ModelPackError extends PeapodModelError {
  override name = 'ModelPackError';
  constructor(
    override readonly code: PackErrorCode,
    /** Path of the offending file inside the pack ('manifest.json', 'weights/group1-shard1of3.bin', ...). */
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** A file the manifest lists (or the manifest itself) could not be read. */
export class ModelPackMissingFileError extends ModelPackError {
  override name = 'ModelPackMissingFileError';
  constructor(file: string, where: string, cause?: string) {
    super(
      'pack-missing-file',
      file,
      `Model pack file "${file}" could not be read from ${where}${cause ? ` (${cause})` : ''}. ` +
        'The pack is incomplete: copy the whole pack folder again or re-run `peapod export`.',
    );
  }
}

/** A file is shorter or longer than the manifest says (interrupted download or copy). */
export class ModelPackTruncatedError extends ModelPackError {
  override name = 'ModelPackTruncatedError';
  constructor(
    file: string,
    readonly expectedBytes: number,
    readonly actualBytes: number,
  ) {
    super(
      'pack-truncated',
      file,
      `Model pack file "${file}" has ${actualBytes} bytes but the manifest says ${expectedBytes}. ` +
        'The download or copy was interrupted: reload the page (or copy the pack again) to fetch it anew.',
    );
  }
}

/** A file has the right size but the wrong SHA-256, or its bytes do not decode as declared. */
export class ModelPackCorruptError extends ModelPackError {
  override name = 'ModelPackCorruptError';
  constructor(file: string, detail: string) {
    super(
      'pack-corrupt',
      file,
      `Model pack file "${file}" is corrupt: ${detail}. ` +
        'Delete the cached copy and download the pack again; if it persists, re-export the pack.',
    );
  }
}

/** The pack is intact but does not fit the model that wants to use it (shapes, names, id scheme). */
export class ModelPackMismatchError extends ModelPackError {
  override name = 'ModelPackMismatchError';
  constructor(
    file: string,
    /** The tensor (weight or data array) concerned, if any. */
    readonly tensor: string | null,
    detail: string,
  ) {
    super(
      'pack-mismatch',
      file,
      `Model pack "${file}" does not match the model${tensor ? ` at tensor "${tensor}"` : ''}: ${detail}. ` +
        'The pack was exported by a different model version or configuration: re-export it with this version of PeaPOD Web.',
    );
  }
}

/** Unknown `kind` or `formatVersion` in manifest.json. */
export class ModelPackVersionError extends ModelPackError {
  override name = 'ModelPackVersionError';
  constructor(file: string, detail: string) {
    super(
      'pack-version',
      file,
      `Model pack "${file}" has an unsupported format: ${detail}. ` +
        'Update PeaPOD Web, or re-export the pack with the version you are running.',
    );
  }
}

/** manifest.json is not valid JSON or lacks a required field. */
export class ModelPackInvalidManifestError extends ModelPackError {
  override name = 'ModelPackInvalidManifestError';
  constructor(file: string, detail: string) {
    super('pack-invalid-manifest', file, `Model pack manifest "${file}" is invalid: ${detail}. Re-export the pack with \`peapod export\`.`);
  }
}

// ---- tokenizer ----------------------------------------------------------------------------------

/** Tokenizer JSON that cannot be loaded, or an input the tokenizer cannot represent. */
export class TokenizerError extends PeapodModelError {
  override name = 'TokenizerError';
  override readonly code = 'model-tokenizer';
}

// ---- generation ---------------------------------------------------------------------------------

/** Generation stopped because its AbortSignal fired; partial results are discarded. */
export class GenerationAbortedError extends PeapodModelError {
  override name = 'GenerationAbortedError';
  override readonly code = 'model-generation-aborted';
  constructor(readonly step: number) {
    super(`Generation was interrupted after ${step} decoding step(s). Nothing is wrong; start it again to get a result.`);
  }
}

/** Inconsistent generation arguments or model outputs (e.g. logits of the wrong shape). */
export class GenerationInputError extends PeapodModelError {
  override name = 'GenerationInputError';
  override readonly code = 'model-generation-input';
}

// ---- checkpoints (safetensors, Hugging Face / PeaPOD PyTorch layouts) -------------------------

/** Unlike the other classes, a CheckpointError's code names its problem (the CLI prints it); no other class uses these words. */
export type CheckpointErrorCode =
  /** The file ends before its header or a tensor's data. */
  | 'truncated'
  /** The header is not valid JSON or an entry lacks dtype / shape / data_offsets. */
  | 'header'
  /** data_offsets outside the data, overlapping another tensor, or leaving bytes unaccounted for. */
  | 'offsets'
  /** A tensor's byte size does not match its shape, or its shape is not what the model needs. */
  | 'shape'
  /** A dtype the importer cannot read, or one that does not fit the weight (ints for a float). */
  | 'dtype'
  /** An integer does not fit int32. */
  | 'range'
  /** A weight the model needs is not in the checkpoint. */
  | 'missing'
  /** The checkpoint holds a tensor the model has no place for. */
  | 'extra'
  /** Two tensors of the same name, or config.json that does not describe a supported model. */
  | 'invalid'
  /** The dataset joined at import does not match the checkpoint (users, items, id map, fingerprint). */
  | 'dataset'
  /** A file of the checkpoint folder cannot be read. */
  | 'file';

/** A checkpoint (safetensors file + config.json) that cannot be read or does not fit the model. */
export class CheckpointError extends PeapodModelError {
  override name = 'CheckpointError';
  constructor(
    override readonly code: CheckpointErrorCode,
    /** The tensor concerned (checkpoint name), if any. */
    readonly tensor: string | null,
    message: string,
    /** The file concerned (e.g. 'model.safetensors'), when known. */
    readonly file: string | null = null,
  ) {
    super(message);
  }
}
