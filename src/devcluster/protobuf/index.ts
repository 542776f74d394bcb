/**
 * Kubernetes protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`, what
 * kubectl's generator commands send) decoded to the JSON object a JSON client would have sent, so
 * that they take the same path as JSON bodies. Decoding tables are generated from Kubernetes'
 * generated.proto files and Go struct tags by scripts/gen-kube-proto.ts.
 */
import { ApiError, badRequest } from '../errors.js';
import { decodeEnvelope } from './envelope.js';
import type { ObjectDefaults } from './envelope.js';
import { kubeProto } from './tables.js';
import { ProtobufError } from './wire.js';

export { decodeEnvelope, isProtobufMediaType, PROTOBUF_MAGIC, PROTOBUF_MEDIA_TYPE } from './envelope.js';
export type { ObjectDefaults } from './envelope.js';
export { kubeProto, ProtoIndex } from './tables.js';
export { MAX_DEPTH, MAX_FIELDS, newBudget, ProtobufError } from './wire.js';

/** The 415 the API server gives for a body in a media type it does not accept for the resource. */
export function unsupportedMediaType(detail: string, accepted = 'application/json, application/yaml, application/vnd.kubernetes.protobuf'): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted}${detail ? ` (${detail})` : ''}`);
}

/** A protobuf body as a JSON object; a `Status` error (400, 415) for anything that is not one. */
export async function decodeProtobufBody(body: Uint8Array, defaults: ObjectDefaults): Promise<Record<string, unknown>> {
  const index = await kubeProto();
  try {
    return decodeEnvelope(index, body, defaults);
  } catch (err) {
    if (!(err instanceof ProtobufError)) throw err;
    if (err.kind === 'unsupported') throw unsupportedMediaType(err.message);
    throw badRequest(`the body of the request could not be decoded: ${err.message}`);
  }
}
